// Money for people to read. Amounts stay integers in minor units everywhere else; here they are
// turned into a decimal string (never a float) and formatted with Intl.

/** Digits after the decimal point in this currency's minor unit (2 for INR and USD, 0 for JPY). */
function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 270000 INR → "₹2,700"; 123456 USD → "$1,234.56". Whole amounts drop their ".00". */
export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits = minorDigits(code);
  const sign = amount < 0 ? '-' : '';
  const padded = String(Math.abs(amount)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? padded : `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  const locale = code === 'INR' ? 'en-IN' : 'en-US';
  return new Intl.NumberFormat(locale, { style: 'currency', currency: code, trailingZeroDisplay: 'stripIfInteger' }).format(`${sign}${decimal}` as Intl.StringNumericLiteral);
}
