/** Number formats shared by the contracts' messages and the router (pure, no imports). */

/** 2.5 → "2.5", 60 → "60", 1.6000000001 → "1.6" */
export function trimNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** USD to cents, as the plan's messages write it: 3.456 → "3.46" */
export function money(usd: number): string {
  return (Math.round(usd * 100) / 100).toFixed(2);
}
