/** `{{name}}` placeholders of a template text, in order of first use. */
export function placeholders (text: string): string[] {
  const names: string[] = []
  for (const m of text.matchAll(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g)) if (!names.includes(m[1])) names.push(m[1])
  return names
}

/** The text the recipient reads: every placeholder replaced by its parameter. */
export function renderTemplate (text: string, params: Record<string, string | number>): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole))
}
