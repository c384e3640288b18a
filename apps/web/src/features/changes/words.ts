import type { ChangeKind } from "@trustmap/shared";

/** The feed's colour of each kind of change. */
export const KIND_COLOURS: Record<ChangeKind, string> = {
  appeared: "border-red-600 text-red-700 dark:text-red-300",
  went: "border-emerald-600 text-emerald-700 dark:text-emerald-300",
  changed: "border-amber-600 text-amber-700 dark:text-amber-300",
};
