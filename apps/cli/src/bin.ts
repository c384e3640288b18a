#!/usr/bin/env node
// The entry point of the built command (dist/trustmap.mjs).
import { main } from "./main";

main();
