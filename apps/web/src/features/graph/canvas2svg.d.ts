// canvas2svg (MIT) ships no types: a CanvasRenderingContext2D that records drawing as SVG.
declare module "canvas2svg" {
  class C2S {
    constructor(width: number, height: number);
    fillStyle: string;
    fillRect(x: number, y: number, width: number, height: number): void;
    translate(x: number, y: number): void;
    scale(x: number, y: number): void;
    getSerializedSvg(fixNamedEntities?: boolean): string;
  }
  export default C2S;
}
