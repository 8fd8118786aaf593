// The practice scenarios: how each made-up caller's phone answers, and what a good agent does.
import type { VerificationDecision } from '@helpdesk-auth/core';

export const practiceScenarios = [
  'approves',
  'denies',
  'reports_fraud',
  'unreachable',
  'wrong_code',
  'no_smartphone',
  'fails_questions',
] as const;

export type PracticeScenario = (typeof practiceScenarios)[number];

/** How the agent ends a step: the caller verified, not verified, or handed to a supervisor. */
export const practiceConclusions = ['verified', 'not_verified', 'handed_to_supervisor'] as const;
export type PracticeConclusion = (typeof practiceConclusions)[number];

export interface ScenarioRules {
  /** What the made-up customer has: a simulated phone (listening or not), a number, questions. */
  phone: 'answers' | 'unreachable' | 'none';
  smsNumber: boolean;
  questions: boolean;
  /** The phone's answers to a push, in order, each after `delayMs` (wrong_code: a wrong code, then the right one). */
  answers: { decision: VerificationDecision; code: 'heard' | 'wrong' | null; delayMs: number }[];
  /** The method a good agent starts with, and the fallback it must reach for when there is one. */
  firstMethod: 'push' | 'sms' | 'security_questions';
  fallback?: 'sms';
  /** The conclusions that count as the right reaction. */
  rightConclusions: PracticeConclusion[];
  /** The caller gives the answers on file (true) or wrong ones. */
  questionsRight?: boolean;
}

export const scenarioRules: Record<PracticeScenario, ScenarioRules> = {
  approves: {
    phone: 'answers',
    smsNumber: true,
    questions: false,
    answers: [{ decision: 'approve', code: 'heard', delayMs: 4_000 }],
    firstMethod: 'push',
    rightConclusions: ['verified'],
  },
  denies: {
    phone: 'answers',
    smsNumber: true,
    questions: false,
    answers: [{ decision: 'deny', code: null, delayMs: 3_000 }],
    firstMethod: 'push',
    rightConclusions: ['not_verified', 'handed_to_supervisor'],
  },
  reports_fraud: {
    phone: 'answers',
    smsNumber: true,
    questions: false,
    answers: [{ decision: 'report_fraud', code: null, delayMs: 3_000 }],
    firstMethod: 'push',
    // A fraud report means someone else is on the line: stop, and hand the call to a supervisor.
    rightConclusions: ['handed_to_supervisor'],
  },
  unreachable: {
    phone: 'unreachable',
    smsNumber: true,
    questions: false,
    answers: [],
    firstMethod: 'push',
    fallback: 'sms',
    rightConclusions: ['verified'],
  },
  wrong_code: {
    phone: 'answers',
    smsNumber: true,
    questions: false,
    answers: [
      { decision: 'approve', code: 'wrong', delayMs: 3_000 },
      { decision: 'approve', code: 'heard', delayMs: 4_000 },
    ],
    firstMethod: 'push',
    rightConclusions: ['verified'],
  },
  no_smartphone: {
    phone: 'none',
    smsNumber: true,
    questions: false,
    answers: [],
    firstMethod: 'sms',
    rightConclusions: ['verified'],
  },
  fails_questions: {
    phone: 'none',
    smsNumber: false,
    questions: true,
    answers: [],
    firstMethod: 'security_questions',
    rightConclusions: ['not_verified', 'handed_to_supervisor'],
    questionsRight: false,
  },
};

/** Clearly made-up names, the placeholders every helpdesk knows, so nobody mistakes one for a customer. */
export const practiceNames = [
  'Erika Mustermann',
  'Max Mustermann',
  'Jane Doe',
  'John Doe',
  'Joe Bloggs',
  'Ola Nordmann',
  'Tommy Atkins',
];

/** The questions on file for a practice customer, the answers on file, and the wrong ones a failing caller gives. */
export const practiceQuestions = [
  { question: 'What was the name of your first pet?', answer: 'Biscuit', wrong: 'Rex' },
  { question: 'In which town were you born?', answer: 'Springfield', wrong: 'Shelbyville' },
  { question: 'What was the name of your favourite teacher?', answer: 'Krabappel', wrong: 'Skinner' },
];
