// A meter cookie for this month holding `count` stories that are not in the build: a reader who
// has used that much of an allowance on other stories, whatever the number of stories the
// publication under test has. The Worker tests sign it with their METER_SECRET, the journeys with
// the one in .dev.vars.
import { meterSecrets, monthOf, signMeter } from '../functions/meter/index.ts';
import { settings } from '../src/paywall/settings.ts';

export function meterHolding(count: number, secret: string): Promise<string> {
  const others = Array.from({ length: count }, (_, index) => `other-${index}`);
  return signMeter(others, monthOf(new Date(), settings.timeZone), meterSecrets(secret)[0]!);
}
