// What the Worker tests of counting share: an ANALYTICS queue binding that keeps every message it
// is sent (or refuses them), and the counts of one kind among them.
import type { Count, CountMessage, EventName } from '../../functions/analytics/events.ts';

/** A queue binding that keeps what it is sent, or refuses it. */
export function queue(refuse = false) {
  const sent: CountMessage[] = [];
  const binding = {
    send: async (body: CountMessage) => {
      if (refuse) throw new Error('Queue send failed: the queue is unavailable');
      sent.push(body);
    },
  } as unknown as Queue;
  /** Every count of `event` sent so far, in the order they were sent. */
  const counted = <E extends EventName>(event: E) =>
    sent.flatMap((message) => message.requests.flatMap((request) => request.counts)).filter((candidate): candidate is Extract<Count, { event: E }> => candidate.event === event);
  return { sent, binding, counted };
}
