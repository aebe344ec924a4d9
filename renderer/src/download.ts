// Saving bytes as a file the way a page can: an object URL on a temporary link.

/** How long the object URL stays valid after the click (the browser reads it asynchronously). */
const REVOKE_AFTER_MS = 10_000;

export function download(fileName: string, mimeType: string, bytes: Uint8Array<ArrayBuffer>): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
