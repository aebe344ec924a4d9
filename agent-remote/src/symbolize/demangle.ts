// Placeholder, replaced below.
export function demangle(name: string): string {
  return name;
}
