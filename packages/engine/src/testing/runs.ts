/** Runs per property test; raise with TRUSTMAP_PROPERTY_RUNS for a longer search. */
export const RUNS = Number(process.env.TRUSTMAP_PROPERTY_RUNS ?? 400);
