import { useEffect, useState } from "react";

const DARK = "(prefers-color-scheme: dark)";

/** Whether the system asks for dark colours now. */
export function prefersDark(): boolean {
  return window.matchMedia?.(DARK).matches ?? false;
}

/**
 * Whether the system asks for dark colours, kept current: the page's CSS follows the system's
 * theme by itself, the graph's canvas is redrawn with the other colours when this changes.
 */
export function useDarkScheme(): boolean {
  const [dark, setDark] = useState(prefersDark);
  useEffect(() => {
    const query = window.matchMedia?.(DARK);
    if (query === undefined) return;
    const changed = () => setDark(query.matches);
    query.addEventListener("change", changed);
    changed();
    return () => query.removeEventListener("change", changed);
  }, []);
  return dark;
}
