export const MAX_EMAIL_LENGTH = 254;

/** Letters, digits and the usual punctuation of addresses; nothing that needs escaping in HTML or SQL. */
const EMAIL = /^[A-Za-z0-9.!#$%+=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** The address in the form accounts are stored under (lower case), or undefined if it is not one. */
export function normalEmail(value: string): string | undefined {
  const email = value.trim();
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email) ? email.toLowerCase() : undefined;
}
