// The BFFs the browser tests run against, both on the demo company (seed 1), serving the built web
// app: a live one whose demo changes every 2 s, and a still one for exports that must match
// their JSON twin exactly.
// TRUSTMAP_E2E_PORT moves both (base, base + 1) so that two checkouts can run their browser tests at once.
const BASE_PORT = Number(process.env.TRUSTMAP_E2E_PORT ?? 4391);
export const LIVE_PORT = BASE_PORT;
export const STILL_PORT = BASE_PORT + 1;
export const STILL_URL = `http://127.0.0.1:${STILL_PORT}`;
