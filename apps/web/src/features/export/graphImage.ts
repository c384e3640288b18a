// A picture of the whole graph with a caption band under it, as PNG or SVG. Every length is
// given at 1× and multiplied by the scale, so an image at 2× is exactly twice the one at 1× in
// both directions, graph and caption alike. The caption is text from the page and the cluster:
// in the PNG it is drawn with fillText, in the SVG it is set with textContent and serialized by
// the browser's XMLSerializer, never concatenated into markup.

/** What the export needs of the graph; the graph adapter provides it. */
export interface GraphPicture {
  readonly dark: boolean;
  readonly background: string;
  imageSize(scale: number): Size;
  pngBlob(scale: number): Promise<Blob>;
  svg(scale: number): string;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export const SCALES = [1, 2, 4] as const;

/** Lengths at 1×, in pixels. */
const MARGIN = 16;
const FONT_SIZE = 13;
const LINE_HEIGHT = 18;
const BAND_PADDING = 10;
const FONT_FAMILY = "Helvetica, Arial, sans-serif";

// Chromium draws no canvas beyond 32,767 pixels a side or about 268 million pixels; well below
// that, a tab may run out of memory while encoding. An SVG has no such limit.
const MAX_SIDE = 16_384;
const MAX_PIXELS = 64_000_000;

export interface ImageLayout {
  readonly width: number;
  readonly height: number;
  /** Where the graph's own image goes. */
  readonly graph: { readonly x: number; readonly y: number } & Size;
  /** The caption band across the bottom. */
  readonly band: { readonly y: number; readonly height: number };
  readonly text: { readonly x: number; readonly size: number; readonly baselines: readonly number[] };
}

/**
 * Where everything goes. `graph` is the graph's image size at this scale; `captionWidth` the
 * widest caption line at 1×. The graph is centred when the caption is the wider.
 */
export function layoutImage(graph: Size, captionWidth: number, lines: number, scale: number): ImageLayout {
  const margin = MARGIN * scale;
  const width = Math.max(graph.width + 2 * margin, Math.ceil(captionWidth + 2 * MARGIN) * scale);
  const bandY = graph.height + 2 * margin;
  const bandHeight = (2 * BAND_PADDING + lines * LINE_HEIGHT) * scale;
  const baselines = Array.from(
    { length: lines },
    (_, i) => bandY + (BAND_PADDING + FONT_SIZE + i * LINE_HEIGHT) * scale,
  );
  return {
    width,
    height: bandY + bandHeight,
    graph: { x: Math.floor((width - graph.width) / 2), y: margin, ...graph },
    band: { y: bandY, height: bandHeight },
    text: { x: margin, size: FONT_SIZE * scale, baselines },
  };
}

/** Why a PNG of this size cannot be made, and what to do instead; undefined when it can. */
export function tooLarge(layout: Size, scale: number): string | undefined {
  if (layout.width <= MAX_SIDE && layout.height <= MAX_SIDE && layout.width * layout.height <= MAX_PIXELS)
    return undefined;
  return `At ${scale}× the picture would be ${layout.width} × ${layout.height} pixels, more than a browser can draw: choose a smaller scale, or SVG.`;
}

function font(line: number, size: number): string {
  return `${line === 0 ? "bold " : ""}${size}px ${FONT_FAMILY}`;
}

function captionColours(dark: boolean) {
  // Tailwind's slate-100 and slate-900 (slate-800 and slate-200 in the dark).
  return dark ? { band: "#1e293b", text: "#e2e8f0" } : { band: "#f1f5f9", text: "#0f172a" };
}

function measureCaption(lines: readonly string[]): number {
  const context = document.createElement("canvas").getContext("2d");
  if (context === null) throw new Error("no 2D canvas context");
  let widest = 0;
  lines.forEach((line, i) => {
    context.font = font(i, FONT_SIZE);
    widest = Math.max(widest, context.measureText(line).width);
  });
  return widest;
}

function layoutFor(picture: GraphPicture, lines: readonly string[], scale: number): ImageLayout {
  return layoutImage(picture.imageSize(scale), measureCaption(lines), lines.length, scale);
}

function hasGraph(layout: ImageLayout): boolean {
  return layout.graph.width > 0 && layout.graph.height > 0;
}

export type Made<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** The graph as a PNG with the caption band, or why it cannot be made at this scale. */
export async function graphPng(
  picture: GraphPicture,
  lines: readonly string[],
  scale: number,
): Promise<Made<Blob>> {
  const layout = layoutFor(picture, lines, scale);
  const problem = tooLarge(layout, scale);
  if (problem !== undefined) return { ok: false, problem };
  // Drawn now, before anything awaits: a patch arriving meanwhile changes neither size nor picture.
  const graph = hasGraph(layout) ? picture.pngBlob(scale) : undefined;
  const canvas = document.createElement("canvas");
  canvas.width = layout.width;
  canvas.height = layout.height;
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("no 2D canvas context");
  context.fillStyle = picture.background;
  context.fillRect(0, 0, layout.width, layout.height);
  if (graph !== undefined) {
    const bitmap = await createImageBitmap(await graph);
    if (bitmap.width !== layout.graph.width || bitmap.height !== layout.graph.height)
      throw new Error(`the graph came out ${bitmap.width} × ${bitmap.height}, not as laid out`);
    context.drawImage(bitmap, layout.graph.x, layout.graph.y);
    bitmap.close();
  }
  const colours = captionColours(picture.dark);
  context.fillStyle = colours.band;
  context.fillRect(0, layout.band.y, layout.width, layout.band.height);
  context.fillStyle = colours.text;
  context.textBaseline = "alphabetic";
  lines.forEach((line, i) => {
    context.font = font(i, layout.text.size);
    context.fillText(line, layout.text.x, layout.text.baselines[i]!);
  });
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (blob === null)
    return { ok: false, problem: "The browser could not encode the picture: try a smaller scale." };
  return { ok: true, value: blob };
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The graph as an SVG document with the caption band, same size as the PNG at this scale. */
export function graphSvg(picture: GraphPicture, lines: readonly string[], scale: number): string {
  const layout = layoutFor(picture, lines, scale);
  const doc = document.implementation.createDocument(SVG_NS, "svg", null);
  const root = doc.documentElement;
  const element = (name: string, attributes: Record<string, string | number>, text?: string): Element => {
    const node = doc.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    root.append(node);
    return node;
  };
  root.setAttribute("width", String(layout.width));
  root.setAttribute("height", String(layout.height));
  root.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
  element("title", {}, lines[0] ?? "Trustmap");
  element("desc", {}, lines.join("\n"));
  element("rect", { width: layout.width, height: layout.height, fill: picture.background });
  if (hasGraph(layout)) {
    const drawn = new DOMParser().parseFromString(picture.svg(scale), "image/svg+xml");
    if (drawn.getElementsByTagName("parsererror").length > 0)
      throw new Error("the graph's SVG does not parse");
    const graph = doc.importNode(drawn.documentElement, true);
    graph.setAttribute("x", String(layout.graph.x));
    graph.setAttribute("y", String(layout.graph.y));
    root.append(graph);
  }
  const colours = captionColours(picture.dark);
  element("rect", { y: layout.band.y, width: layout.width, height: layout.band.height, fill: colours.band });
  lines.forEach((line, i) => {
    element(
      "text",
      {
        x: layout.text.x,
        y: layout.text.baselines[i]!,
        fill: colours.text,
        "font-family": FONT_FAMILY,
        "font-size": layout.text.size,
        "font-weight": i === 0 ? "bold" : "normal",
      },
      line,
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
}
