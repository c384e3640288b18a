export * from "./api";
export * from "./evidence";
export * from "./gaps";
export * from "./node-id";
export * from "./queries";
export * from "./report";
export * from "./source";
export * from "./view";
