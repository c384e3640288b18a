export * from "./api";
export * from "./report";
export * from "./source";
export * from "./view";
