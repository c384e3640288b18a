/**
 * Saves a file the page made: an object URL on a temporary link (the BFF's CSP allows blob:
 * and no inline script). The URL is let go once the browser has taken the download.
 */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
