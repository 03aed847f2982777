/** The line above a metered story that tells the reader how many free stories are left. */
export function meterNotice(remaining: number, counted: boolean): string {
  if (remaining > 0) return `You have ${remaining} free ${remaining === 1 ? 'story' : 'stories'} left this month.`;
  if (counted) return 'This is your last free story this month. Subscribe to keep reading without limits.';
  return 'You have used this month’s free stories. The ones you have opened stay free to reread.';
}
