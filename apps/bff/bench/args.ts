// The benchmarks' command line: `--name value` options and the bench cluster's scale.
import { SCALES, type Scale, scaleNamed } from "@trustmap/engine/synthetic-world";

/** The value after `--name`, or undefined when the option is not given. */
export function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** The scale `--scale` names (or `fallback`; `L+5000` adds a monolith's namespace); exits 2 naming the scales when there is none such. */
export function scaleArg(fallback: string): Scale {
  const scale = scaleNamed(arg("scale") ?? fallback);
  if (scale === undefined) {
    console.error(
      `bench: --scale takes one of ${Object.keys(SCALES).join(", ")}, or one with a monolith's namespace of N workloads (L+5000)`,
    );
    process.exit(2);
  }
  return scale;
}
