// Test cards, checked the way a hosted payment form checks them. Only two numbers mean anything:
// one pays, one is declined. Every other number is refused, so a real card number typed in by
// mistake goes nowhere and is never echoed back.

export const PAYING_CARD = '4242424242424242';
const DECLINED_CARD = '4000000000000002';

export interface CardInput {
  name?: string | undefined;
  number?: string | undefined;
  /** "MM / YY", "MM/YY", "MM/YYYY" or "MMYY". */
  expiry?: string | undefined;
  cvc?: string | undefined;
}

export type CardField = 'name' | 'number' | 'expiry' | 'cvc';

export type CardCheck =
  | { ok: true; last4: string; brand: 'visa'; expMonth: number; expYear: number; name: string }
  | { ok: false; field: CardField; message: string; declined: boolean };

/** The email field of a payment form: something@somewhere.tld, as the hosted forms check it. */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text);
}

/** Razorpay's phone field: digits, maybe a leading + and spaces or dashes, 8 to 20 characters. */
export function isPhoneNumber(text: string): boolean {
  return /^\+?[0-9][0-9 -]{6,18}[0-9]$/.test(text);
}

export const DECLINED_MESSAGE = 'Your card was declined. Try another card; in test mode 4242 4242 4242 4242 pays.';

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (const [index, char] of [...digits].reverse().entries()) {
    let digit = Number(char);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function parseExpiry(text: string): { month: number; year: number } | undefined {
  const match = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const month = Number(match[1]);
  const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return month >= 1 && month <= 12 ? { month, year } : undefined;
}

const refuse = (field: CardField, message: string): CardCheck => ({ ok: false, field, message, declined: false });

/** Checks a card as the form would, in the order a reader fills it in. */
export function checkCard(card: CardInput, now: Date = new Date()): CardCheck {
  const name = card.name?.trim() ?? '';
  if (!name) return refuse('name', 'Enter the name on the card.');
  const digits = (card.number ?? '').replace(/[\s-]/g, '');
  if (!digits) return refuse('number', 'Enter the card number.');
  if (!/^\d{12,19}$/.test(digits) || !passesLuhn(digits)) return refuse('number', 'Your card number is invalid. Check it, or use the test card 4242 4242 4242 4242.');
  if (digits !== PAYING_CARD && digits !== DECLINED_CARD) {
    return refuse('number', 'This is not a test card. In test mode use 4242 4242 4242 4242 (pays) or 4000 0000 0000 0002 (declined).');
  }
  const expiry = parseExpiry(card.expiry ?? '');
  if (!expiry) return refuse('expiry', 'Enter the expiry date as MM / YY, e.g. 12 / 34.');
  const currentMonth = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
  if (expiry.year * 12 + expiry.month < currentMonth) return refuse('expiry', "Your card's expiry date is in the past. Any future date works in test mode.");
  if (!/^\d{3,4}$/.test((card.cvc ?? '').trim())) return refuse('cvc', "Your card's security code (CVC) is 3 or 4 digits. Any will do in test mode.");
  if (digits === DECLINED_CARD) return { ok: false, field: 'number', message: DECLINED_MESSAGE, declined: true };
  return { ok: true, last4: digits.slice(-4), brand: 'visa', expMonth: expiry.month, expYear: expiry.year, name };
}
