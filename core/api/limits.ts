// Sizes the API accepts, shared by the UI (which refuses early, in plain words) and the
// services (which refuse whatever arrives).

/** Largest import accepted (bytes of the file). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** The refusal of a file over MAX_IMPORT_BYTES, in plain words. */
export const IMPORT_TOO_LARGE_MESSAGE = `The file is larger than ${MAX_IMPORT_BYTES / (1024 * 1024)} MiB. Import a smaller profile.`;

/** Base64 characters of the largest import (the form it crosses IPC and the WebSocket in). */
export const MAX_IMPORT_BASE64_CHARS = Math.ceil(MAX_IMPORT_BYTES / 3) * 4;
