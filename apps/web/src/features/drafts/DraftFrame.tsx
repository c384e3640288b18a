import type { ReactNode } from "react";
import { setParams } from "../../app/url";

/**
 * The frame of a page shown as a draft would make it (the page's `draft` parameter): violet, so it
 * is never taken for the live picture, with the way back to the draft and to the live page.
 */
export function DraftFrame({
  id,
  live,
  testId,
  children,
}: {
  id: string;
  /** What the button that leaves the draft shows: "Show the live graph". */
  live: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section
      className="border-b border-violet-500 bg-violet-50 px-2 py-1 text-sm dark:bg-violet-950"
      aria-label="What if: a draft applied"
      data-testid={testId}
    >
      {children}
      <p className="flex flex-wrap gap-2 text-xs">
        <a
          className="text-blue-700 underline dark:text-blue-300"
          href={`?tab=drafts&draft=${encodeURIComponent(id)}`}
        >
          Back to the draft
        </a>
        <button
          type="button"
          className="rounded border border-slate-400 px-1"
          onClick={() => setParams({ draft: undefined })}
        >
          {live}
        </button>
      </p>
    </section>
  );
}
