import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readableQuery } from "./query";

describe("readable query strings", () => {
  it("read back as the parameters they were made of", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ unit: "binary", maxLength: 20 }),
            fc.string({ unit: "binary", maxLength: 40 }),
          ),
          {
            maxLength: 5,
          },
        ),
        (pairs) => {
          const params = new URLSearchParams(pairs);
          const text = readableQuery(params);
          expect([...new URLSearchParams(text)]).toEqual([...params]);
          // Printable ASCII without `#` or spaces: an address keeps it exactly as it is.
          expect(text).toMatch(/^[!-"$-~]*$/);
        },
      ),
    );
  });

  it("leave node ids readable", () => {
    const params = new URLSearchParams({ view: "workload:shop/app=web,tier=db", sel: "edge:ns:a wl:b/c=d" });
    expect(readableQuery(params)).toBe("?view=workload:shop/app=web,tier=db&sel=edge:ns:a%20wl:b/c=d");
  });
});
