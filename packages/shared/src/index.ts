export * from "./api";
export * from "./evidence";
export * from "./gaps";
export * from "./report";
export * from "./source";
export * from "./view";
