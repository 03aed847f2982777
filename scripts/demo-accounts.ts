/** The local demo accounts that `npm start` creates (also listed in the README). Never seeded remotely. */
export const DEMO_ACCOUNTS = [
  { email: 'reader@konkancourier.example', password: 'tide-tables-2026', plan: 'essential', days: 365 },
  { email: 'lapsed@konkancourier.example', password: 'old-monsoon-2026', plan: 'quarterly', days: -30 },
] as const;
