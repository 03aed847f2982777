// Tokens and signed values as an attacker edits them. One character is changed well inside the
// value: the last character of a base64url signature also carries padding bits, so changing it
// can leave the decoded signature as it was, and prove nothing.

/** `value` with its tenth character from the end swapped for another. */
export function edited(value: string): string {
  const at = value.length - 10;
  return `${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`;
}
