// The BFFs the browser tests run against, both on the demo company (seed 1), serving the built web
// app: a live one whose demo changes every 2 s, and a still one for exports that must match
// their JSON twin exactly.
export const LIVE_PORT = 4391;
export const STILL_PORT = 4392;
export const STILL_URL = `http://127.0.0.1:${STILL_PORT}`;
