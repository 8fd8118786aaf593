// The practice space: made-up customers with simulated phones, sessions and scores. What other features may use.
export type { PracticeService } from './practice.ts';
export { practiceScenarios } from './scenarios.ts';
