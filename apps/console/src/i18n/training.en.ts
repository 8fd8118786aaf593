/**
 * English messages of the practice space (agent training) and the first-run tour. Spread into
 * `en` (en.ts); `training.de.ts` must have exactly these keys.
 */
export const trainingEn = {
  'nav.practice': 'Practice',
  'help.menu': 'Help',
  'help.tour': 'Show the tour again',
  'help.practice': 'Practise a call',

  'practice.badge': 'Practice',
  'practice.banner':
    'Practice call: {name} is made up. Nothing you do here reaches a real customer, sends a real message or counts in statistics.',
  'practice.bannerSession':
    'Practice session: every caller in it is made up. Nothing you do here reaches a real customer, sends a real message or counts in statistics.',
  'practice.title': 'Practice',
  'practice.intro':
    'Rehearse verifications on made-up callers whose phones answer like real ones: they approve, deny, report fraud, cannot be reached, type a wrong code, have no smartphone or fail the security questions. You use the same screens as on a live call.',
  'practice.new': 'New practice session',
  'practice.scenarios': 'Scenarios',
  'practice.scenarios.all': 'All seven, in order',
  'practice.assignTo': 'For',
  'practice.assignTo.me': 'Me',
  'practice.start': 'Start practising',
  'practice.assign': 'Assign session',
  'practice.starting': 'Preparing the callers…',
  'practice.assigned': 'Session assigned to {name}.',
  'practice.sessions': 'Sessions',
  'practice.sessions.none': 'No practice sessions yet.',
  'practice.col.agent': 'Agent',
  'practice.col.created': 'Created',
  'practice.col.status': 'Status',
  'practice.col.score': 'Score',
  'practice.status.assigned': 'Assigned',
  'practice.status.active': 'In progress',
  'practice.status.finished': 'Finished',
  'practice.open': 'Open',
  'practice.startAssigned': 'Start',
  'practice.scoreShort': 'Method {methods}/{steps} · reaction {reactions}/{steps} · {time}',

  'practice.session.title': 'Practice session',
  'practice.session.step': 'Call {n} of {total}',
  'practice.session.onLine': '{name} is on the line.',
  'practice.session.task':
    'Open the caller, verify them as you would on a real call, then say how the call ended.',
  'practice.session.openCaller': 'Open the caller',
  'practice.session.openWidget': 'Practise it in the verify panel',
  'practice.session.waitingStart': 'A supervisor assigned this session to you. Start when you are ready.',
  'practice.session.finished': 'Session finished',
  'practice.session.again': 'Practise again',
  'practice.session.back': 'All sessions',

  'practice.caller.title': 'What the caller says',
  'practice.caller.nothing': 'The caller is waiting for you.',
  'practice.caller.reads': '“My text message says: {text}”',
  'practice.caller.answers': 'Asked the security questions, the caller answers:',
  'practice.caller.answer': '“{answer}”',

  'practice.end.title': 'How did the call end?',
  'practice.end.verified': 'Caller verified',
  'practice.end.not_verified': 'Not verified',
  'practice.end.handed_to_supervisor': 'Handed to a supervisor',
  'practice.end.sending': 'Saving…',
  'practice.end.next': 'Next caller: {name}.',

  'practice.score.title': 'Your score',
  'practice.score.methods': 'Right method',
  'practice.score.reactions': 'Right reaction',
  'practice.score.time': 'Time on calls',
  'practice.score.of': '{n} of {total}',
  'practice.score.col.call': 'Call',
  'practice.score.col.scenario': 'What the phone did',
  'practice.score.col.methods': 'Methods you used',
  'practice.score.col.method': 'Method',
  'practice.score.col.reaction': 'Reaction',
  'practice.score.col.time': 'Time',
  'practice.score.right': 'Right',
  'practice.score.wrong': 'Not right',
  'practice.score.noMethod': 'none',
  'practice.score.seconds': '{s} s',

  'practice.reset.title': 'Reset the practice space',
  'practice.reset.help':
    'Empties the practice space of the whole organisation at once, for example before a new group starts training. Without a reset, practice sessions are removed by themselves after the retention period.',
  'practice.reset.button': 'Reset practice space',
  'practice.reset.working': 'Resetting…',
  'practice.reset.confirm.title': 'Reset the practice space?',
  'practice.reset.confirm.body':
    'This removes all practice sessions of every operator, also the ones in progress, and all made-up customers, with everything made for them (their phones, verifications, codes and messages). Real customers and the audit log are not touched. This cannot be undone.',
  'practice.reset.confirm.confirm': 'Remove all practice data',
  'practice.reset.done': 'Practice space reset: {sessions}, {customers} and {messages} removed.',
  'practice.reset.empty': 'Practice space reset: it was already empty, nothing was removed.',
  'practice.reset.sessions.one': '1 practice session',
  'practice.reset.sessions.other': '{n} practice sessions',
  'practice.reset.customers.one': '1 made-up customer',
  'practice.reset.customers.other': '{n} made-up customers',
  'practice.reset.messages.one': '1 practice message',
  'practice.reset.messages.other': '{n} practice messages',

  'audit.action.practice.customer_created': 'Made-up customer created',
  'audit.sentence.practice.customer_created': '{actor} created the made-up customer {customer} for practice.',
  'audit.action.practice.session_assigned': 'Practice session assigned',
  'audit.sentence.practice.session_assigned': '{actor} assigned a practice session.',
  'audit.action.practice.session_started': 'Practice session started',
  'audit.sentence.practice.session_started': '{actor} started a practice session.',
  'audit.action.practice.step_concluded': 'Practice call concluded',
  'audit.sentence.practice.step_concluded': '{actor} concluded call {call} of a practice session.',
  'audit.action.practice.session_finished': 'Practice session finished',
  'audit.sentence.practice.session_finished':
    '{actor} finished a practice session (calls: {steps}, right method: {methodsRight}, right reaction: {reactionsRight}, seconds in all: {totalSeconds}).',
  'audit.action.practice.reset': 'Practice space reset',
  'audit.sentence.practice.reset':
    '{actor} reset the practice space and removed all practice data (practice sessions: {sessions}, made-up customers: {customers}, practice messages: {messages}).',
  'audit.action.practice.purged': 'Old practice sessions removed',
  'audit.sentence.practice.purged':
    '{actor} removed the practice sessions older than {retentionDays} days with their made-up customers (practice sessions: {sessions}, made-up customers: {customers}).',

  'practice.scenario.approves': 'Approves after a moment',
  'practice.scenario.denies': 'Denies the request',
  'practice.scenario.reports_fraud': 'Reports fraud: “I am not on a call”',
  'practice.scenario.unreachable': 'Cannot be reached (no push arrives)',
  'practice.scenario.wrong_code': 'Types a wrong code first',
  'practice.scenario.no_smartphone': 'Has no smartphone (SMS only)',
  'practice.scenario.fails_questions': 'Fails the security questions',

  'practice.hint.approves': 'Push first; the caller confirms. Verified.',
  'practice.hint.denies': 'A denial means the phone’s owner did not confirm: not verified.',
  'practice.hint.reports_fraud':
    'After a fraud report, stop: no further method, hand the call to a supervisor.',
  'practice.hint.unreachable': 'Push first; when it cannot be reached, fall back to an SMS code.',
  'practice.hint.wrong_code': 'Read the code again slowly; the caller gets it right the second time.',
  'practice.hint.no_smartphone': 'No device: go straight to the SMS code.',
  'practice.hint.fails_questions': 'Wrong answers: not verified (or hand to a supervisor).',

  'tour.label': 'Tour of the console',
  'tour.progress': 'Step {n} of {total}',
  'tour.next': 'Next',
  'tour.back': 'Back',
  'tour.done': 'Done',
  'tour.skip': 'Skip the tour',
  'tour.welcome.title': 'Welcome to Helpdesk Auth',
  'tour.welcome.body':
    'A short tour: where to verify a caller and what to say. It takes a minute; press Escape to leave at any time.',
  'tour.search.title': 'Find the caller',
  'tour.search.body': 'Type the caller’s name, phone number or customer number here and open their page.',
  'tour.verify.title': 'Press “Verify caller”',
  'tour.verify.body':
    'On the caller’s page, the “Verify caller” button sends a request to their phone and shows you a short code.',
  'tour.say.title': 'What to say',
  'tour.say.body':
    '“For your security I am sending a request to your phone. Please open the app and enter the code I read to you.” Then read the code.',
  'tour.fallback.title': 'When push does not work',
  'tour.fallback.body':
    'If the phone cannot be reached or the caller has no smartphone, the page offers the next method (an SMS code, security questions). If the caller reports fraud, stop and hand the call to a supervisor.',
  'tour.practice.title': 'Practise first',
  'tour.practice.body':
    'Under “Practice” (or Help → Practise a call) you can rehearse all of this with made-up callers. The tour is always available again under “Help”.',
} as const;
