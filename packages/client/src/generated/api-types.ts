// Generated from the server’s OpenAPI document by `npm run generate -w @helpdesk-auth/client`.
// Do not edit: change the route schemas in packages/server and generate again.

/** Named schemas of the API (components.schemas). */
export interface Schemas {
  ApiKey: {
    id: string;
    name: string;
    scopes: Array<
      | 'customers:read'
      | 'customers:write'
      | 'devices:read'
      | 'devices:write'
      | 'verifications:read'
      | 'verifications:write'
      | 'operators:read'
      | 'operators:write'
      | 'api-keys:read'
      | 'api-keys:write'
      | 'audit:read'
      | 'tenant:read'
      | 'tenant:write'
      | 'webhooks:read'
      | 'webhooks:write'
      | 'oidc-clients:read'
      | 'oidc-clients:write'
      | 'policy:read'
      | 'policy:write'
      | 'locks:write'
      | 'server-keys:read'
      | 'server-keys:write'
      | 'calls:read'
      | 'calls:write'
      | 'fraud-cases:read'
      | 'fraud-cases:write'
      | 'analytics:read'
      | 'campaigns:read'
      | 'campaigns:write'
      | 'scim'
    >;
    createdBy: string | null;
    createdAt: string;
    lastUsedAt: string | null;
    revokedAt: string | null;
  };
  ApnsCredentials: {
    teamId: string;
    keyId: string;
    /** The app, sent as apns-topic. */
    bundleId: string;
    /** APNs environment for devices that enrolled without naming one. */
    environment: 'production' | 'sandbox';
    updatedAt: string;
  };
  AuditEvent: {
    id: string;
    seq: number;
    occurredAt: string;
    actor: {
      type: string;
      id: string | null;
      /** The operator's, API key's or client's current name; null when it no longer exists. */
      name?: string | null;
    };
    action: string;
    target: {
      type: string;
      id: string;
      /** The current name of what was acted on (customer, operator, device, ...), if it has one. */
      name?: string | null;
    } | null;
    /** The customer the entry concerns (its target, or the customer of the verification or device), with current names. Not part of the hashed entry. */
    customer?: {
      id: string;
      name: string | null;
      externalId: string | null;
    } | null;
    data: Record<string, never>;
    prevHash: string;
    hash: string;
  };
  CallNotice: {
    id: string;
    customerId: string;
    /** active until the agent ends it or its time is up (expired). */
    status: 'active' | 'ended' | 'expired';
    /** Why the bank calls, as the customer reads it. */
    reason: string;
    team: string | null;
    /** The number the customer will see (E.164). */
    fromNumber: string | null;
    agent: {
      /** operator or api_key: who started the notice. */
      type: string;
      id: string | null;
      /** Who is calling, as the customer sees it. */
      displayName: string;
    };
    mutualCode: 'none' | 'agent_reads' | 'customer_reads';
    /** agent_reads only: the code the agent reads out, which the app shows. Only to callers with calls:write, only on start and GET of one notice, only while active. A customer_reads code is never returned to anyone but the device. */
    code: string | null;
    /** pending until the customer (or, customer_reads, the agent with the code) confirms; null with mutualCode none until the customer answers. */
    confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
    /** customer_reads only: wrong codes the agent may still type. */
    codeAttemptsLeft: number | null;
    /** When a device of the customer first showed the notice. */
    viewedAt: string | null;
    confirmedAt: string | null;
    createdAt: string;
    expiresAt: string;
    endedAt: string | null;
  };
  Customer: {
    id: string;
    externalId: string | null;
    displayName: string;
    phone: string | null;
    phoneChangedAt: string | null;
    email: string | null;
    locale: string | null;
    /** When the customer last reported fraud from a device ("I am not on a call"). Show it prominently while it is open. */
    fraudReportedAt: string | null;
    /** When a supervisor or admin resolved that report (POST /v1/customers/{id}/fraud-report/resolve); null while it is open or there is none. */
    fraudResolvedAt: string | null;
    /** The customer asked to receive no campaign messages; campaigns skip them (docs/campaigns.md). */
    campaignOptOut: boolean;
    createdAt: string;
    updatedAt: string;
    /** A made-up customer of the practice space (docs/training.md): mark every screen showing it as practice. Never listed or searched with real customers. */
    practice: boolean;
  };
  Device: {
    id: string;
    customerId: string;
    label: string;
    platform: 'web' | 'ios' | 'android' | 'cli';
    status: 'active' | 'revoked';
    /** How the device is reached when its app is closed (Web Push, FCM or APNs); null: only while open. */
    push: 'webpush' | 'fcm' | 'apns' | null;
    createdAt: string;
    lastSeenAt: string;
    revokedAt: string | null;
    /** A WebAuthn credential is registered: the device can approve with biometrics. */
    webauthn: boolean;
  };
  Error: {
    error: {
      /** Typed, stable code: branch on this. */
      code:
        | 'VALIDATION_FAILED'
        | 'MALFORMED_JSON'
        | 'JSON_TOO_DEEP'
        | 'INVALID_UNICODE'
        | 'INVALID_PHONE_NUMBER'
        | 'INVALID_CURSOR'
        | 'WEBHOOK_URL_REFUSED'
        | 'PUSH_ENDPOINT_REFUSED'
        | 'PUSH_CREDENTIALS_INVALID'
        | 'PUSH_TOKEN_INVALID'
        | 'INVALID_FILTER'
        | 'UNAUTHENTICATED'
        | 'INVALID_CREDENTIALS'
        | 'DEVICE_PROOF_INVALID'
        | 'DEVICE_PROOF_REPLAYED'
        | 'DEVICE_REVOKED'
        | 'ACTIVATION_INVALID'
        | 'DECISION_SIGNATURE_INVALID'
        | 'SSO_STATE_INVALID'
        | 'SSO_FAILED'
        | 'FORBIDDEN'
        | 'USER_VERIFICATION_REQUIRED'
        | 'CSRF_FAILED'
        | 'IDENTITY_CHECK_REQUIRED'
        | 'PASSWORD_CHANGE_REQUIRED'
        | 'SECOND_FACTOR_REQUIRED'
        | 'SSO_ACCESS_DENIED'
        | 'CALL_NOTICES_NOT_ALLOWED'
        | 'NOT_FOUND'
        | 'ROUTE_NOT_FOUND'
        | 'CONFLICT'
        | 'EXTERNAL_ID_TAKEN'
        | 'EMAIL_TAKEN'
        | 'USER_NAME_TAKEN'
        | 'SLUG_TAKEN'
        | 'LAST_ADMIN'
        | 'DEVICE_KEY_IN_USE'
        | 'ACTIVATION_USED'
        | 'CUSTOMER_HAS_NO_DEVICE'
        | 'VERIFICATION_NOT_PENDING'
        | 'VERIFICATION_EXPIRED'
        | 'METHOD_UNAVAILABLE'
        | 'CHANNEL_UNAVAILABLE'
        | 'TOTP_ALREADY_ENROLLED'
        | 'OFFLINE_SECRET_ISSUED'
        | 'FRAUD_REPORT_NOT_OPEN'
        | 'CALL_NOTICE_ACTIVE'
        | 'CALL_NOTICE_NOT_ACTIVE'
        | 'CALL_CODE_NOT_EXPECTED'
        | 'CALL_CODE_LOCKED'
        | 'FRAUD_CASE_NOT_OPEN'
        | 'FRAUD_CASE_ASSIGNMENT_CHANGED'
        | 'POLICY_VERSION_CONFLICT'
        | 'PRECONDITION_FAILED'
        | 'PAYLOAD_TOO_LARGE'
        | 'UNSUPPORTED_MEDIA_TYPE'
        | 'WRONG_CODE'
        | 'CALL_CODE_INVALID'
        | 'WEBAUTHN_REGISTRATION_FAILED'
        | 'WEBAUTHN_ASSERTION_FAILED'
        | 'POLICY_INVALID'
        | 'SSO_PROVIDER_INVALID'
        | 'CODE_REPLAYED'
        | 'ANSWERS_REJECTED'
        | 'RATE_LIMITED'
        | 'PUSH_RATE_LIMITED'
        | 'TOO_MANY_FAILURES'
        | 'RESEND_LIMITED'
        | 'INTERNAL'
        | 'DELIVERY_FAILED'
        | 'NOT_READY';
      /** Human-readable explanation; may change between versions. */
      message: string;
      details?: {
        /** WRONG_CODE: tries left before the request fails. */
        attemptsLeft?: number;
        /** METHOD_UNAVAILABLE: why, as a reason code (SIM_SWAP_WINDOW, PUSH_LOCKED_FRAUD, ...; docs/policy.md). */
        reason?: string;
        /** IDENTITY_CHECK_REQUIRED: the assurance the policy's enroll_device action needs. */
        requiredAssurance?: string;
        /** WRONG_CODE, CODE_REPLAYED or ANSWERS_REJECTED of an authenticator-app, app-code or security-question check: the failed verification it was recorded as. */
        verificationId?: string;
        /** CALL_NOTICE_ACTIVE: the customer's active call notice. */
        noticeId?: string;
      };
    };
  };
  FallbackPolicy: {
    /** Every method once, in the order the console offers them. */
    methods: Array<{
      method: 'push' | 'app_code' | 'totp' | 'sms_otp' | 'email_otp' | 'security_questions';
      enabled: boolean;
      assurance: 'low' | 'moderate' | 'substantial' | 'high';
    }>;
    /** What each action needs. */
    actions: Record<
      string,
      {
        requiredAssurance: 'low' | 'moderate' | 'substantial' | 'high';
        highRisk: boolean;
      }
    >;
    sms: {
      /** Seconds a code stays valid (at most 10 minutes). */
      codeTtlSeconds: number;
      /** Wrong tries per code before it fails. */
      maxAttempts: number;
      /** New codes that may be sent for one challenge; resends keep the wrong-try count. */
      maxResends: number;
      /** Seconds between sends. */
      resendCooldownSeconds: number;
      /** Days after a phone-number change during which SMS is refused (0: off). */
      simSwapDays: number;
      /** read_to_agent: the caller reads the code to the agent. customer_link: the caller types it into the link the message carries. */
      delivery: 'read_to_agent' | 'customer_link';
    };
    email: {
      /** Seconds a code stays valid (at most 10 minutes). */
      codeTtlSeconds: number;
      /** Wrong tries per code before it fails. */
      maxAttempts: number;
      /** New codes that may be sent for one challenge; resends keep the wrong-try count. */
      maxResends: number;
      /** Seconds between sends. */
      resendCooldownSeconds: number;
      /** read_to_agent: the caller reads the code to the agent. customer_link: the caller types it into the link the message carries. */
      delivery: 'read_to_agent' | 'customer_link';
    };
    totp: {
      /** 30-second steps accepted either side of now. */
      driftSteps: number;
    };
    /** The code from the customer's app (app_code). Left out together with app_code in methods (a policy written before app codes), it is filled with the defaults and app_code is listed turned off. */
    appCode?: {
      /** 30-second steps accepted either side of now. */
      driftSteps: number;
      /** Wrong app codes per customer in a sliding hour before the method is refused (TOO_MANY_FAILURES); they count toward failuresPerHour too. */
      maxFailures: number;
    };
    securityQuestions: {
      /** Questions the agent asks. */
      ask: number;
      /** Correct answers needed among them. */
      required: number;
      /** Failed checks before the questions lock until an admin unlocks them. */
      maxFailures: number;
      /** Allow questions for high-risk actions (off by default). */
      allowForHighRisk: boolean;
    };
    push: {
      /** Denied push requests within the window that lock push until an admin clears it. */
      lockAfterDenials: number;
      /** The window for counting denials. */
      denialWindowHours: number;
      /** A fraud report locks push until an admin clears it. */
      lockOnFraudReport: boolean;
    };
    /** Customer notifications by SMS, or e-mail without a phone. */
    notifications: {
      /** Tell the customer after a successful helpdesk verification. */
      afterVerification: boolean;
      /** Tell the customer after they reported fraud. */
      afterFraudReport: boolean;
      /** Tell the customer by SMS and e-mail (each on file) when a device is enrolled (their other devices always get a push notice). Default true when left out. */
      afterDeviceEnrollment?: boolean;
    };
    /** Failed attempts per customer per hour across all methods. */
    failuresPerHour: number;
    /** Outbound call notices (docs/call-notices.md). Always present in answers; left out of a saved policy, the defaults (every role but auditor, API keys allowed, no code, 60 minutes). */
    callNotices?: {
      /** Operator roles that may start call notices (they also need calls:write). */
      startRoles: Array<'agent' | 'supervisor' | 'admin'>;
      /** API keys with the calls:write scope may start call notices. */
      apiKeys: boolean;
      /** The mutual-code mode of a notice started without one. */
      defaultMutualCode: 'none' | 'agent_reads' | 'customer_reads';
      /** The longest a call notice may be valid, in minutes. */
      maxMinutes: number;
    };
  };
  FallbackResult: {
    method: 'totp' | 'security_questions' | 'app_code';
    action: string;
    result: 'passed';
    assurance: 'low' | 'moderate' | 'substantial' | 'high';
    verifiedAt: string;
    /** The verification this check is recorded as: in history, GET /v1/verifications/{id} and webhooks. */
    verificationId: string;
  };
  FcmCredentials: {
    /** The Firebase project the messages are sent for. */
    projectId: string;
    /** The service account. */
    clientEmail: string;
    /** Which of the service account's keys (its id, not the key). */
    privateKeyId: string;
    updatedAt: string;
  };
  Jwks: {
    keys: Array<{
      kty: string;
      crv: string;
      x: string;
      y: string;
      kid: string;
      alg: string;
      use: string;
      /** Only on a key replaced by a rotation: when it retires (seconds since the epoch). */
      exp?: number;
    }>;
  };
  /** The RFC 6238 secret the device turns into the code it shows offline ("code from the customer's app"). */
  OfflineSecret: {
    /** Base32 (RFC 4648) seed, 160 bits, returned this once: keep it in the key store. */
    secret: string;
    /** HMAC of RFC 6238. */
    algorithm: 'SHA1';
    digits: 6;
    /** Seconds per time step. */
    period: 30;
  };
  OidcClient: {
    /** The client_id. */
    id: string;
    /** Shown on the customer’s phone as who asks. */
    name: string;
    tokenEndpointAuthMethod: 'client_secret_basic' | 'private_key_jwt';
    jwks: {
      keys: Array<{
        kty: 'RSA' | 'EC' | 'OKP';
        kid?: string;
        alg?: string;
        use?: string;
        [key: string]: unknown;
      }>;
    } | null;
    deliveryMode: 'poll' | 'ping';
    notificationEndpoint: string | null;
    /** How its ID tokens are signed: ES256 (default) or RS256, each verifiable with the keys at the discovery document's jwks_uri. */
    idTokenSignedResponseAlg: 'ES256' | 'RS256';
    backchannelAuthenticationRequestSigningAlg:
      | 'ES256'
      | 'ES384'
      | 'ES512'
      | 'PS256'
      | 'PS384'
      | 'PS512'
      | 'RS256'
      | 'EdDSA'
      | 'Ed25519'
      | null;
    status: 'active' | 'suspended' | 'revoked';
    createdAt: string;
    updatedAt: string;
  };
  Operator: {
    id: string;
    email: string;
    displayName: string;
    role: 'agent' | 'supervisor' | 'admin' | 'auditor';
    status: 'active' | 'disabled';
    createdAt: string;
    lastSignInAt: string | null;
    /** The password was generated for the operator; until they choose their own, their sessions may only change it (PASSWORD_CHANGE_REQUIRED). */
    passwordChangeRequired: boolean;
    /** The team the operator works in; supervisor analytics group agents by it. */
    team: string | null;
  };
  PracticeSession: {
    id: string;
    /** The agent practising. */
    operatorId: string;
    /** The supervisor who assigned it; null when the agent started it. */
    assignedBy: string | null;
    status: 'assigned' | 'active' | 'finished';
    currentStep: number | null;
    steps: Array<{
      index: number;
      /** The scenario, once the step is concluded (or for a supervisor); null while the agent is still on it, so the call is not given away. */
      scenario:
        | 'approves'
        | 'denies'
        | 'reports_fraud'
        | 'unreachable'
        | 'wrong_code'
        | 'no_smartphone'
        | 'fails_questions'
        | null;
      /** The made-up customer: open it on the customer page or in the widget. */
      customerId: string;
      displayName: string;
      startedAt: string | null;
      concludedAt: string | null;
      conclusion: 'verified' | 'not_verified' | 'handed_to_supervisor' | null;
      result: {
        /** The methods the agent started, in order. */
        methodsUsed: Array<string>;
        /** Started with the right method (and reached for the fallback where push could not work). */
        methodRight: boolean;
        /** Ended the call the right way; after a fraud report: no further attempt, handed to a supervisor. */
        reactionRight: boolean;
        seconds: number;
      } | null;
    }>;
    score: {
      steps: number;
      methodsRight: number;
      reactionsRight: number;
      totalSeconds: number;
    } | null;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
  ServerKeyStatus: {
    kid: string;
    /** `signing` signs new requests; `retiring` is still published and trusted until `retiresAt`. */
    status: 'signing' | 'retiring';
    createdAt: string;
    retiresAt: string | null;
  };
  SignedCallNotice: {
    id: string;
    /** Compact JWS (typ hda-call-notice+jwt, ES256, kid: a server key the device pins), aud: this device; verify it before showing anything (docs/device-protocol.md, "Call notices"). */
    jws: string;
  };
  SignedRequest: {
    id: string;
    status: string;
    /** The request, a JWS signed by the server (typ hda-request+jwt). */
    request: string;
  };
  Verification: {
    id: string;
    customerId: string;
    /** push, or the fallback method whose check this records: sms_otp, email_otp, totp (authenticator app), app_code (offline app code), security_questions. */
    method: 'push' | 'app_code' | 'totp' | 'sms_otp' | 'email_otp' | 'security_questions';
    /** The policy action a fallback method's check was for; null for push. */
    action: string | null;
    purpose: 'authenticate' | 'confirm_action';
    reason: string;
    actionSummary: string | null;
    callReference: string | null;
    status: 'pending' | 'approved' | 'denied' | 'fraud_reported' | 'expired' | 'cancelled' | 'failed';
    /** The code the agent reads to the caller; only while pending. */
    code: string | null;
    codeLength: number;
    failedAttempts: number;
    maxAttempts: number;
    startedBy: {
      type: string;
      id: string | null;
      name: string;
    };
    createdAt: string;
    expiresAt: string;
    finishedAt: string | null;
    decidedByDeviceId: string | null;
    assurance: 'low' | 'moderate' | 'substantial' | 'high' | null;
    /** Best delivery news so far: sent to a push service, delivered live, opened on a device, or unreachable. */
    delivery: 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';
  };
  WebhookAttempt: {
    attempt: number;
    startedAt: string;
    durationMs: number;
    outcome: 'succeeded' | 'failed';
    /** The receiver’s HTTP status, if it answered. */
    statusCode: number | null;
    /** Why the attempt failed, if it did. */
    error: string | null;
  };
  WebhookDelivery: {
    id: string;
    endpointId: string;
    eventId: string;
    eventType: string;
    status: 'pending' | 'succeeded' | 'failed';
    attempts: Array<Schemas['WebhookAttempt']>;
    nextAttemptAt: string | null;
    lastStatusCode: number | null;
    createdAt: string;
    completedAt: string | null;
    payload: Schemas['WebhookEvent'];
  };
  WebhookEndpoint: {
    id: string;
    url: string;
    description: string | null;
    events: Array<
      | 'verification.started'
      | 'verification.approved'
      | 'verification.denied'
      | 'verification.fraud_reported'
      | 'verification.expired'
      | 'verification.cancelled'
      | 'verification.failed'
      | 'device.enrolled'
      | 'device.revoked'
      | 'customer.fraud_reported'
      | 'customer.locked'
      | 'customer.unlocked'
      | 'call.started'
      | 'call.confirmed'
      | 'call.mismatch'
      | 'call.ended'
      | 'call.expired'
      | 'call.reported'
      | 'fraud_case.opened'
      | 'fraud_case.signal_added'
      | 'fraud_case.assigned'
      | 'fraud_case.noted'
      | 'fraud_case.resolved'
      | 'webhook.test'
    >;
    enabled: boolean;
    /** Until when the secret before the last rotation still signs deliveries. */
    previousSecretExpiresAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  WebhookEvent: {
    /** Event id, the same on every attempt: de-duplicate on it. */
    id: string;
    type:
      | 'verification.started'
      | 'verification.approved'
      | 'verification.denied'
      | 'verification.fraud_reported'
      | 'verification.expired'
      | 'verification.cancelled'
      | 'verification.failed'
      | 'device.enrolled'
      | 'device.revoked'
      | 'customer.fraud_reported'
      | 'customer.locked'
      | 'customer.unlocked'
      | 'call.started'
      | 'call.confirmed'
      | 'call.mismatch'
      | 'call.ended'
      | 'call.expired'
      | 'call.reported'
      | 'fraud_case.opened'
      | 'fraud_case.signal_added'
      | 'fraud_case.assigned'
      | 'fraud_case.noted'
      | 'fraud_case.resolved'
      | 'webhook.test';
    createdAt: string;
    tenantId: string;
    /** Identifiers, statuses and times of the change (docs/integrations/rest-and-webhooks.md). */
    data: Record<string, unknown>;
  };
}

/** Every operation the client calls, by operationId. */
export interface Operations {
  /** Cancel a pending verification; the devices stop showing it. */
  cancelVerification: {
    method: 'POST';
    path: '/v1/verifications/{id}/cancel';
    status: 200;
    pathParams: {
      /** Verification id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      customerId: string;
      /** push, or the fallback method whose check this records: sms_otp, email_otp, totp (authenticator app), app_code (offline app code), security_questions. */
      method: 'push' | 'app_code' | 'totp' | 'sms_otp' | 'email_otp' | 'security_questions';
      /** The policy action a fallback method's check was for; null for push. */
      action: string | null;
      purpose: 'authenticate' | 'confirm_action';
      reason: string;
      actionSummary: string | null;
      callReference: string | null;
      status: 'pending' | 'approved' | 'denied' | 'fraud_reported' | 'expired' | 'cancelled' | 'failed';
      /** The code the agent reads to the caller; only while pending. */
      code: string | null;
      codeLength: number;
      failedAttempts: number;
      maxAttempts: number;
      startedBy: {
        type: string;
        id: string | null;
        name: string;
      };
      createdAt: string;
      expiresAt: string;
      finishedAt: string | null;
      decidedByDeviceId: string | null;
      assurance: 'low' | 'moderate' | 'substantial' | 'high' | null;
      /** Best delivery news so far: sent to a push service, delivered live, opened on a device, or unreachable. */
      delivery: 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';
    };
  };
  /** customer_reads mode: the agent types the code the customer reads from their app. */
  checkCallCode: {
    method: 'POST';
    path: '/v1/call-notices/{id}/code';
    status: 200;
    pathParams: {
      /** Call notice id. */
      id: string;
    };
    query: undefined;
    body: {
      /** The six digits the customer reads out. */
      code: string;
    };
    response: {
      id: string;
      customerId: string;
      /** active until the agent ends it or its time is up (expired). */
      status: 'active' | 'ended' | 'expired';
      /** Why the bank calls, as the customer reads it. */
      reason: string;
      team: string | null;
      /** The number the customer will see (E.164). */
      fromNumber: string | null;
      agent: {
        /** operator or api_key: who started the notice. */
        type: string;
        id: string | null;
        /** Who is calling, as the customer sees it. */
        displayName: string;
      };
      mutualCode: 'none' | 'agent_reads' | 'customer_reads';
      /** agent_reads only: the code the agent reads out, which the app shows. Only to callers with calls:write, only on start and GET of one notice, only while active. A customer_reads code is never returned to anyone but the device. */
      code: string | null;
      /** pending until the customer (or, customer_reads, the agent with the code) confirms; null with mutualCode none until the customer answers. */
      confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
      /** customer_reads only: wrong codes the agent may still type. */
      codeAttemptsLeft: number | null;
      /** When a device of the customer first showed the notice. */
      viewedAt: string | null;
      confirmedAt: string | null;
      createdAt: string;
      expiresAt: string;
      endedAt: string | null;
    };
  };
  /** Create a one-time activation (code, link, QR payload) to enrol a customer's device. */
  createActivation: {
    method: 'POST';
    path: '/v1/customers/{id}/activations';
    status: 201;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: {
      /** The operator checked the customer's identity in person, in a branch. */
      inBranchCheck?: {
        /** How the identity was checked in person (the document seen, for example); goes into the audit entry. */
        note: string;
      };
    };
    response: {
      id: string;
      customerId: string;
      /** 16 characters in four groups; shown once. For typing in, never to read out. */
      code: string;
      /** Opens the authenticator with the code (in the fragment). */
      link: string;
      /** What to encode in the QR code: the link. */
      qrPayload: string;
      expiresAt: string;
      /** Why the code was handed out: a recent verification, an in-branch identity check, or an API key (an integration answers for its own checks). */
      basis: 'verification' | 'in_branch' | 'integration';
    };
  };
  /** Create a customer. */
  createCustomer: {
    method: 'POST';
    path: '/v1/customers';
    status: 201;
    pathParams: undefined;
    query: undefined;
    body: {
      displayName: string;
      externalId?: string | null;
      phone?: string | null;
      email?: string | null;
      locale?: string | null;
      /** Receives no campaign messages. */
      campaignOptOut?: boolean;
    };
    response: {
      id: string;
      externalId: string | null;
      displayName: string;
      phone: string | null;
      phoneChangedAt: string | null;
      email: string | null;
      locale: string | null;
      /** When the customer last reported fraud from a device ("I am not on a call"). Show it prominently while it is open. */
      fraudReportedAt: string | null;
      /** When a supervisor or admin resolved that report (POST /v1/customers/{id}/fraud-report/resolve); null while it is open or there is none. */
      fraudResolvedAt: string | null;
      /** The customer asked to receive no campaign messages; campaigns skip them (docs/campaigns.md). */
      campaignOptOut: boolean;
      createdAt: string;
      updatedAt: string;
      /** A made-up customer of the practice space (docs/training.md): mark every screen showing it as practice. Never listed or searched with real customers. */
      practice: boolean;
    };
  };
  /** Register a webhook endpoint. The signing secret is in the response once. */
  createWebhook: {
    method: 'POST';
    path: '/v1/webhooks';
    status: 201;
    pathParams: undefined;
    query: undefined;
    body: {
      /** https URL that receives the POSTs. */
      url: string;
      events: Array<
        | 'verification.started'
        | 'verification.approved'
        | 'verification.denied'
        | 'verification.fraud_reported'
        | 'verification.expired'
        | 'verification.cancelled'
        | 'verification.failed'
        | 'device.enrolled'
        | 'device.revoked'
        | 'customer.fraud_reported'
        | 'customer.locked'
        | 'customer.unlocked'
        | 'call.started'
        | 'call.confirmed'
        | 'call.mismatch'
        | 'call.ended'
        | 'call.expired'
        | 'call.reported'
        | 'fraud_case.opened'
        | 'fraud_case.signal_added'
        | 'fraud_case.assigned'
        | 'fraud_case.noted'
        | 'fraud_case.resolved'
        | 'webhook.test'
      >;
      description?: string | null;
      enabled?: boolean;
    };
    response: {
      endpoint: Schemas['WebhookEndpoint'];
      /** The signing secret (`whsec_…`). Shown only now. */
      secret: string;
    };
  };
  /** Delete a customer. */
  deleteCustomer: {
    method: 'DELETE';
    path: '/v1/customers/{id}';
    status: 204;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: undefined;
  };
  /** Delete a webhook endpoint with its deliveries. */
  deleteWebhook: {
    method: 'DELETE';
    path: '/v1/webhooks/{id}';
    status: 204;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: undefined;
  };
  /** End the call: the devices stop showing the notice. */
  endCallNotice: {
    method: 'POST';
    path: '/v1/call-notices/{id}/end';
    status: 200;
    pathParams: {
      /** Call notice id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      customerId: string;
      /** active until the agent ends it or its time is up (expired). */
      status: 'active' | 'ended' | 'expired';
      /** Why the bank calls, as the customer reads it. */
      reason: string;
      team: string | null;
      /** The number the customer will see (E.164). */
      fromNumber: string | null;
      agent: {
        /** operator or api_key: who started the notice. */
        type: string;
        id: string | null;
        /** Who is calling, as the customer sees it. */
        displayName: string;
      };
      mutualCode: 'none' | 'agent_reads' | 'customer_reads';
      /** agent_reads only: the code the agent reads out, which the app shows. Only to callers with calls:write, only on start and GET of one notice, only while active. A customer_reads code is never returned to anyone but the device. */
      code: string | null;
      /** pending until the customer (or, customer_reads, the agent with the code) confirms; null with mutualCode none until the customer answers. */
      confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
      /** customer_reads only: wrong codes the agent may still type. */
      codeAttemptsLeft: number | null;
      /** When a device of the customer first showed the notice. */
      viewedAt: string | null;
      confirmedAt: string | null;
      createdAt: string;
      expiresAt: string;
      endedAt: string | null;
    };
  };
  /** Is there a genuine call to this customer now? For the IVR and the website. */
  getActiveCallNotice: {
    method: 'GET';
    path: '/v1/customers/{id}/call-notices/active';
    status: 200;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      active: boolean;
      notice: Schemas['CallNotice'] | null;
    };
  };
  /** One call notice; its agent_reads code to callers who may write call notices. */
  getCallNotice: {
    method: 'GET';
    path: '/v1/call-notices/{id}';
    status: 200;
    pathParams: {
      /** Call notice id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      customerId: string;
      /** active until the agent ends it or its time is up (expired). */
      status: 'active' | 'ended' | 'expired';
      /** Why the bank calls, as the customer reads it. */
      reason: string;
      team: string | null;
      /** The number the customer will see (E.164). */
      fromNumber: string | null;
      agent: {
        /** operator or api_key: who started the notice. */
        type: string;
        id: string | null;
        /** Who is calling, as the customer sees it. */
        displayName: string;
      };
      mutualCode: 'none' | 'agent_reads' | 'customer_reads';
      /** agent_reads only: the code the agent reads out, which the app shows. Only to callers with calls:write, only on start and GET of one notice, only while active. A customer_reads code is never returned to anyone but the device. */
      code: string | null;
      /** pending until the customer (or, customer_reads, the agent with the code) confirms; null with mutualCode none until the customer answers. */
      confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
      /** customer_reads only: wrong codes the agent may still type. */
      codeAttemptsLeft: number | null;
      /** When a device of the customer first showed the notice. */
      viewedAt: string | null;
      confirmedAt: string | null;
      createdAt: string;
      expiresAt: string;
      endedAt: string | null;
    };
  };
  /** One customer. */
  getCustomer: {
    method: 'GET';
    path: '/v1/customers/{id}';
    status: 200;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      externalId: string | null;
      displayName: string;
      phone: string | null;
      phoneChangedAt: string | null;
      email: string | null;
      locale: string | null;
      /** When the customer last reported fraud from a device ("I am not on a call"). Show it prominently while it is open. */
      fraudReportedAt: string | null;
      /** When a supervisor or admin resolved that report (POST /v1/customers/{id}/fraud-report/resolve); null while it is open or there is none. */
      fraudResolvedAt: string | null;
      /** The customer asked to receive no campaign messages; campaigns skip them (docs/campaigns.md). */
      campaignOptOut: boolean;
      createdAt: string;
      updatedAt: string;
      /** A made-up customer of the practice space (docs/training.md): mark every screen showing it as practice. Never listed or searched with real customers. */
      practice: boolean;
    };
  };
  /** One device. */
  getDevice: {
    method: 'GET';
    path: '/v1/devices/{id}';
    status: 200;
    pathParams: {
      /** Device id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      customerId: string;
      label: string;
      platform: 'web' | 'ios' | 'android' | 'cli';
      status: 'active' | 'revoked';
      /** How the device is reached when its app is closed (Web Push, FCM or APNs); null: only while open. */
      push: 'webpush' | 'fcm' | 'apns' | null;
      createdAt: string;
      lastSeenAt: string;
      revokedAt: string | null;
      /** A WebAuthn credential is registered: the device can approve with biometrics. */
      webauthn: boolean;
    };
  };
  /** One verification with its timeline; `?wait=N` long-polls up to N seconds for the result. */
  getVerification: {
    method: 'GET';
    path: '/v1/verifications/{id}';
    status: 200;
    pathParams: {
      /** Verification id. */
      id: string;
    };
    query: {
      /** Answer as soon as the verification is final, or after this many seconds. */
      wait?: number;
    };
    body: undefined;
    response: {
      id: string;
      customerId: string;
      /** push, or the fallback method whose check this records: sms_otp, email_otp, totp (authenticator app), app_code (offline app code), security_questions. */
      method: 'push' | 'app_code' | 'totp' | 'sms_otp' | 'email_otp' | 'security_questions';
      /** The policy action a fallback method's check was for; null for push. */
      action: string | null;
      purpose: 'authenticate' | 'confirm_action';
      reason: string;
      actionSummary: string | null;
      callReference: string | null;
      status: 'pending' | 'approved' | 'denied' | 'fraud_reported' | 'expired' | 'cancelled' | 'failed';
      /** The code the agent reads to the caller; only while pending. */
      code: string | null;
      codeLength: number;
      failedAttempts: number;
      maxAttempts: number;
      startedBy: {
        type: string;
        id: string | null;
        name: string;
      };
      createdAt: string;
      expiresAt: string;
      finishedAt: string | null;
      decidedByDeviceId: string | null;
      assurance: 'low' | 'moderate' | 'substantial' | 'high' | null;
      /** Best delivery news so far: sent to a push service, delivered live, opened on a device, or unreachable. */
      delivery: 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';
      timeline: Array<{
        /** started, sent, delivered, unreachable, opened, wrong_code, or the final status. */
        type: string;
        deviceId: string | null;
        /** live, webpush, fcm or apns; sms or email for a one-time code sent. */
        channel: string | null;
        detail: string | null;
        at: string;
      }>;
    };
  };
  /** One webhook endpoint. */
  getWebhook: {
    method: 'GET';
    path: '/v1/webhooks/{id}';
    status: 200;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      url: string;
      description: string | null;
      events: Array<
        | 'verification.started'
        | 'verification.approved'
        | 'verification.denied'
        | 'verification.fraud_reported'
        | 'verification.expired'
        | 'verification.cancelled'
        | 'verification.failed'
        | 'device.enrolled'
        | 'device.revoked'
        | 'customer.fraud_reported'
        | 'customer.locked'
        | 'customer.unlocked'
        | 'call.started'
        | 'call.confirmed'
        | 'call.mismatch'
        | 'call.ended'
        | 'call.expired'
        | 'call.reported'
        | 'fraud_case.opened'
        | 'fraud_case.signal_added'
        | 'fraud_case.assigned'
        | 'fraud_case.noted'
        | 'fraud_case.resolved'
        | 'webhook.test'
      >;
      enabled: boolean;
      /** Until when the secret before the last rotation still signs deliveries. */
      previousSecretExpiresAt: string | null;
      createdAt: string;
      updatedAt: string;
    };
  };
  /** One delivery with its attempts. */
  getWebhookDelivery: {
    method: 'GET';
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}';
    status: 200;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
      /** Delivery id. */
      deliveryId: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      endpointId: string;
      eventId: string;
      eventType: string;
      status: 'pending' | 'succeeded' | 'failed';
      attempts: Array<Schemas['WebhookAttempt']>;
      nextAttemptAt: string | null;
      lastStatusCode: number | null;
      createdAt: string;
      completedAt: string | null;
      payload: Schemas['WebhookEvent'];
    };
  };
  /** Import customers from CSV (the columns of the CLI import); per-row results. */
  importCustomers: {
    method: 'POST';
    path: '/v1/customers/import';
    status: 200;
    pathParams: undefined;
    query: undefined;
    body: {
      csv: string;
      updateExisting?: boolean;
      /** Check every row as the import would and write nothing. */
      dryRun?: boolean;
    };
    response: {
      total: number;
      created: number;
      updated: number;
      failed: number;
      errors: Array<{
        line: number;
        code: string;
        message: string;
      }>;
    };
  };
  /** Call notices, newest first, filtered by customer and status: the history. */
  listCallNotices: {
    method: 'GET';
    path: '/v1/call-notices';
    status: 200;
    pathParams: undefined;
    query: {
      customerId?: string;
      status?: 'active' | 'ended' | 'expired';
      /** Page size. */
      limit?: number;
      /** Opaque cursor from `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<Schemas['CallNotice']>;
      nextCursor: string | null;
    };
  };
  /** The customer's devices, revoked ones included. */
  listCustomerDevices: {
    method: 'GET';
    path: '/v1/customers/{id}/devices';
    status: 200;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      items: Array<Schemas['Device']>;
    };
  };
  /** Search customers by name, external id, phone or e-mail; paginated. */
  listCustomers: {
    method: 'GET';
    path: '/v1/customers';
    status: 200;
    pathParams: undefined;
    query: {
      /** Free text: any part of the name, the external id, an e-mail prefix or phone digits. */
      q?: string;
      /** Exact phone, E.164. */
      phone?: string;
      /** Exact e-mail. */
      email?: string;
      externalId?: string;
      /** Page size. */
      limit?: number;
      /** Opaque cursor from `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<Schemas['Customer']>;
      nextCursor: string | null;
    };
  };
  /** Verifications of every method, newest first, filtered by customer, method, status and time. */
  listVerifications: {
    method: 'GET';
    path: '/v1/verifications';
    status: 200;
    pathParams: undefined;
    query: {
      customerId?: string;
      method?: 'push' | 'app_code' | 'totp' | 'sms_otp' | 'email_otp' | 'security_questions';
      status?: 'pending' | 'approved' | 'denied' | 'fraud_reported' | 'expired' | 'cancelled' | 'failed';
      createdAfter?: string;
      createdBefore?: string;
      /** Page size. */
      limit?: number;
      /** Opaque cursor from `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<Schemas['Verification']>;
      nextCursor: string | null;
    };
  };
  /** An endpoint’s deliveries with their attempts, newest first, paginated. */
  listWebhookDeliveries: {
    method: 'GET';
    path: '/v1/webhooks/{id}/deliveries';
    status: 200;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
    };
    query: {
      status?: 'pending' | 'succeeded' | 'failed';
      /** Page size. */
      limit?: number;
      /** Opaque cursor from `nextCursor` of the previous page. */
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<Schemas['WebhookDelivery']>;
      nextCursor: string | null;
    };
  };
  /** List webhook endpoints (never their secrets). */
  listWebhooks: {
    method: 'GET';
    path: '/v1/webhooks';
    status: 200;
    pathParams: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<Schemas['WebhookEndpoint']>;
    };
  };
  /** Send a delivery again now. */
  redeliverWebhook: {
    method: 'POST';
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver';
    status: 202;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
      /** Delivery id. */
      deliveryId: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      endpointId: string;
      eventId: string;
      eventType: string;
      status: 'pending' | 'succeeded' | 'failed';
      attempts: Array<Schemas['WebhookAttempt']>;
      nextAttemptAt: string | null;
      lastStatusCode: number | null;
      createdAt: string;
      completedAt: string | null;
      payload: Schemas['WebhookEvent'];
    };
  };
  /** Revoke a device. It can do nothing afterwards; the record stays. */
  revokeDevice: {
    method: 'DELETE';
    path: '/v1/devices/{id}';
    status: 200;
    pathParams: {
      /** Device id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      customerId: string;
      label: string;
      platform: 'web' | 'ios' | 'android' | 'cli';
      status: 'active' | 'revoked';
      /** How the device is reached when its app is closed (Web Push, FCM or APNs); null: only while open. */
      push: 'webpush' | 'fcm' | 'apns' | null;
      createdAt: string;
      lastSeenAt: string;
      revokedAt: string | null;
      /** A WebAuthn credential is registered: the device can approve with biometrics. */
      webauthn: boolean;
    };
  };
  /** Replace the signing secret; the old one keeps signing for the overlap. */
  rotateWebhookSecret: {
    method: 'POST';
    path: '/v1/webhooks/{id}/rotate-secret';
    status: 200;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
    };
    query: {
      /** How long the old secret also signs deliveries (0: stop now). Default one day. */
      overlapSeconds?: number;
    };
    body: undefined;
    response: {
      endpoint: Schemas['WebhookEndpoint'];
      /** The signing secret (`whsec_…`). Shown only now. */
      secret: string;
    };
  };
  /** Send a new activation link to the customer's phone (SMS) or mailbox (e-mail). */
  sendActivation: {
    method: 'POST';
    path: '/v1/customers/{id}/activations/send';
    status: 201;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: {
      /** How to send the link. */
      channel: 'sms' | 'email';
    };
    response: {
      id: string;
      customerId: string;
      channel: 'sms' | 'email';
      /** The phone number or e-mail address, masked. */
      sentTo: string;
      expiresAt: string;
    };
  };
  /** Send a test push to this device and answer what its push service said. */
  sendTestPush: {
    method: 'POST';
    path: '/v1/devices/{id}/test-push';
    status: 200;
    pathParams: {
      /** Device id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      /** unreachable: the device has no push channel, nothing was sent. */
      outcome: 'accepted' | 'gone' | 'failed' | 'unreachable';
      channel: 'webpush' | 'fcm' | 'apns' | null;
      /** The push service's HTTP status; null when none answered. */
      status: number | null;
      /** Why it did not work, in the words of the verification timeline. */
      detail: string | null;
    };
  };
  /** Queue a `webhook.test` event for the endpoint. */
  sendWebhookTest: {
    method: 'POST';
    path: '/v1/webhooks/{id}/test';
    status: 202;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      endpointId: string;
      eventId: string;
      eventType: string;
      status: 'pending' | 'succeeded' | 'failed';
      attempts: Array<Schemas['WebhookAttempt']>;
      nextAttemptAt: string | null;
      lastStatusCode: number | null;
      createdAt: string;
      completedAt: string | null;
      payload: Schemas['WebhookEvent'];
    };
  };
  /** Start an outbound call notice: the customer's devices show who is calling and why, signed by the server. */
  startCallNotice: {
    method: 'POST';
    path: '/v1/customers/{id}/call-notices';
    status: 201;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: {
      /** Why the bank calls, shown to the customer ("about your card"). */
      reason: string;
      team?: string;
      /** The number the customer will see, E.164. */
      fromNumber?: string;
      /** How long the notice stays valid (default 15, at most the policy's callNotices.maxMinutes); the agent ends it sooner. */
      expectedMinutes?: number;
      /** Default: the policy's callNotices.defaultMutualCode. */
      mutualCode?: 'none' | 'agent_reads' | 'customer_reads';
      /** API keys only: the calling agent's name shown to the customer (operators: their own). */
      agentName?: string;
    };
    response: {
      id: string;
      customerId: string;
      /** active until the agent ends it or its time is up (expired). */
      status: 'active' | 'ended' | 'expired';
      /** Why the bank calls, as the customer reads it. */
      reason: string;
      team: string | null;
      /** The number the customer will see (E.164). */
      fromNumber: string | null;
      agent: {
        /** operator or api_key: who started the notice. */
        type: string;
        id: string | null;
        /** Who is calling, as the customer sees it. */
        displayName: string;
      };
      mutualCode: 'none' | 'agent_reads' | 'customer_reads';
      /** agent_reads only: the code the agent reads out, which the app shows. Only to callers with calls:write, only on start and GET of one notice, only while active. A customer_reads code is never returned to anyone but the device. */
      code: string | null;
      /** pending until the customer (or, customer_reads, the agent with the code) confirms; null with mutualCode none until the customer answers. */
      confirmation: 'pending' | 'confirmed' | 'mismatch' | null;
      /** customer_reads only: wrong codes the agent may still type. */
      codeAttemptsLeft: number | null;
      /** When a device of the customer first showed the notice. */
      viewedAt: string | null;
      confirmedAt: string | null;
      createdAt: string;
      expiresAt: string;
      endedAt: string | null;
      delivery: Array<{
        deviceId: string;
        channel: 'live' | 'webpush' | 'fcm' | 'apns' | null;
        /** delivered: on the open live channel; sending: handed to the push channel (its outcome follows as `call.delivery` on the event stream); unreachable: neither. */
        result: 'delivered' | 'sending' | 'unreachable';
      }>;
    };
  };
  /** Start a push verification: the customer's devices show the request; the agent reads out the code. */
  startVerification: {
    method: 'POST';
    path: '/v1/verifications';
    status: 201;
    pathParams: undefined;
    query: undefined;
    body: {
      customerId: string;
      purpose?: 'authenticate' | 'confirm_action';
      /** Shown to the customer. Left out: the tenant's default reason in the customer's language (messageTemplates, docs/configuration.md). */
      reason?: string;
      /** For confirm_action: the action the customer confirms, shown and signed. */
      actionSummary?: string | null;
      /** Your helpdesk's call or ticket id; never shown to the customer. */
      callReference?: string | null;
      /** API keys only: the agent's name shown to the customer (operators: their own name). */
      agentName?: string;
    };
    response: {
      id: string;
      customerId: string;
      /** push, or the fallback method whose check this records: sms_otp, email_otp, totp (authenticator app), app_code (offline app code), security_questions. */
      method: 'push' | 'app_code' | 'totp' | 'sms_otp' | 'email_otp' | 'security_questions';
      /** The policy action a fallback method's check was for; null for push. */
      action: string | null;
      purpose: 'authenticate' | 'confirm_action';
      reason: string;
      actionSummary: string | null;
      callReference: string | null;
      status: 'pending' | 'approved' | 'denied' | 'fraud_reported' | 'expired' | 'cancelled' | 'failed';
      /** The code the agent reads to the caller; only while pending. */
      code: string | null;
      codeLength: number;
      failedAttempts: number;
      maxAttempts: number;
      startedBy: {
        type: string;
        id: string | null;
        name: string;
      };
      createdAt: string;
      expiresAt: string;
      finishedAt: string | null;
      decidedByDeviceId: string | null;
      assurance: 'low' | 'moderate' | 'substantial' | 'high' | null;
      /** Best delivery news so far: sent to a push service, delivered live, opened on a device, or unreachable. */
      delivery: 'pending' | 'sent' | 'delivered' | 'opened' | 'unreachable';
    };
  };
  /** Change some fields of a customer; null clears an optional field. */
  updateCustomer: {
    method: 'PATCH';
    path: '/v1/customers/{id}';
    status: 200;
    pathParams: {
      /** Customer id. */
      id: string;
    };
    query: undefined;
    body: {
      displayName?: string;
      externalId?: string | null;
      phone?: string | null;
      email?: string | null;
      locale?: string | null;
      /** Whether the customer receives campaign messages (false) or not (true). */
      campaignOptOut?: boolean;
    };
    response: {
      id: string;
      externalId: string | null;
      displayName: string;
      phone: string | null;
      phoneChangedAt: string | null;
      email: string | null;
      locale: string | null;
      /** When the customer last reported fraud from a device ("I am not on a call"). Show it prominently while it is open. */
      fraudReportedAt: string | null;
      /** When a supervisor or admin resolved that report (POST /v1/customers/{id}/fraud-report/resolve); null while it is open or there is none. */
      fraudResolvedAt: string | null;
      /** The customer asked to receive no campaign messages; campaigns skip them (docs/campaigns.md). */
      campaignOptOut: boolean;
      createdAt: string;
      updatedAt: string;
      /** A made-up customer of the practice space (docs/training.md): mark every screen showing it as practice. Never listed or searched with real customers. */
      practice: boolean;
    };
  };
  /** Rename a device. */
  updateDevice: {
    method: 'PATCH';
    path: '/v1/devices/{id}';
    status: 200;
    pathParams: {
      /** Device id. */
      id: string;
    };
    query: undefined;
    body: {
      label: string;
    };
    response: {
      id: string;
      customerId: string;
      label: string;
      platform: 'web' | 'ios' | 'android' | 'cli';
      status: 'active' | 'revoked';
      /** How the device is reached when its app is closed (Web Push, FCM or APNs); null: only while open. */
      push: 'webpush' | 'fcm' | 'apns' | null;
      createdAt: string;
      lastSeenAt: string;
      revokedAt: string | null;
      /** A WebAuthn credential is registered: the device can approve with biometrics. */
      webauthn: boolean;
    };
  };
  /** Change an endpoint’s URL, events, description, or enable or disable it. */
  updateWebhook: {
    method: 'PATCH';
    path: '/v1/webhooks/{id}';
    status: 200;
    pathParams: {
      /** Webhook endpoint id. */
      id: string;
    };
    query: undefined;
    body: {
      /** https URL that receives the POSTs. */
      url?: string;
      events?: Array<
        | 'verification.started'
        | 'verification.approved'
        | 'verification.denied'
        | 'verification.fraud_reported'
        | 'verification.expired'
        | 'verification.cancelled'
        | 'verification.failed'
        | 'device.enrolled'
        | 'device.revoked'
        | 'customer.fraud_reported'
        | 'customer.locked'
        | 'customer.unlocked'
        | 'call.started'
        | 'call.confirmed'
        | 'call.mismatch'
        | 'call.ended'
        | 'call.expired'
        | 'call.reported'
        | 'fraud_case.opened'
        | 'fraud_case.signal_added'
        | 'fraud_case.assigned'
        | 'fraud_case.noted'
        | 'fraud_case.resolved'
        | 'webhook.test'
      >;
      description?: string | null;
      enabled?: boolean;
    };
    response: {
      id: string;
      url: string;
      description: string | null;
      events: Array<
        | 'verification.started'
        | 'verification.approved'
        | 'verification.denied'
        | 'verification.fraud_reported'
        | 'verification.expired'
        | 'verification.cancelled'
        | 'verification.failed'
        | 'device.enrolled'
        | 'device.revoked'
        | 'customer.fraud_reported'
        | 'customer.locked'
        | 'customer.unlocked'
        | 'call.started'
        | 'call.confirmed'
        | 'call.mismatch'
        | 'call.ended'
        | 'call.expired'
        | 'call.reported'
        | 'fraud_case.opened'
        | 'fraud_case.signal_added'
        | 'fraud_case.assigned'
        | 'fraud_case.noted'
        | 'fraud_case.resolved'
        | 'webhook.test'
      >;
      enabled: boolean;
      /** Until when the secret before the last rotation still signs deliveries. */
      previousSecretExpiresAt: string | null;
      createdAt: string;
      updatedAt: string;
    };
  };
}

/** Method and path of each operation, for the request function. */
export const operations = {
  cancelVerification: { method: 'POST', path: '/v1/verifications/{id}/cancel' },
  checkCallCode: { method: 'POST', path: '/v1/call-notices/{id}/code' },
  createActivation: { method: 'POST', path: '/v1/customers/{id}/activations' },
  createCustomer: { method: 'POST', path: '/v1/customers' },
  createWebhook: { method: 'POST', path: '/v1/webhooks' },
  deleteCustomer: { method: 'DELETE', path: '/v1/customers/{id}' },
  deleteWebhook: { method: 'DELETE', path: '/v1/webhooks/{id}' },
  endCallNotice: { method: 'POST', path: '/v1/call-notices/{id}/end' },
  getActiveCallNotice: { method: 'GET', path: '/v1/customers/{id}/call-notices/active' },
  getCallNotice: { method: 'GET', path: '/v1/call-notices/{id}' },
  getCustomer: { method: 'GET', path: '/v1/customers/{id}' },
  getDevice: { method: 'GET', path: '/v1/devices/{id}' },
  getVerification: { method: 'GET', path: '/v1/verifications/{id}' },
  getWebhook: { method: 'GET', path: '/v1/webhooks/{id}' },
  getWebhookDelivery: { method: 'GET', path: '/v1/webhooks/{id}/deliveries/{deliveryId}' },
  importCustomers: { method: 'POST', path: '/v1/customers/import' },
  listCallNotices: { method: 'GET', path: '/v1/call-notices' },
  listCustomerDevices: { method: 'GET', path: '/v1/customers/{id}/devices' },
  listCustomers: { method: 'GET', path: '/v1/customers' },
  listVerifications: { method: 'GET', path: '/v1/verifications' },
  listWebhookDeliveries: { method: 'GET', path: '/v1/webhooks/{id}/deliveries' },
  listWebhooks: { method: 'GET', path: '/v1/webhooks' },
  redeliverWebhook: { method: 'POST', path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver' },
  revokeDevice: { method: 'DELETE', path: '/v1/devices/{id}' },
  rotateWebhookSecret: { method: 'POST', path: '/v1/webhooks/{id}/rotate-secret' },
  sendActivation: { method: 'POST', path: '/v1/customers/{id}/activations/send' },
  sendTestPush: { method: 'POST', path: '/v1/devices/{id}/test-push' },
  sendWebhookTest: { method: 'POST', path: '/v1/webhooks/{id}/test' },
  startCallNotice: { method: 'POST', path: '/v1/customers/{id}/call-notices' },
  startVerification: { method: 'POST', path: '/v1/verifications' },
  updateCustomer: { method: 'PATCH', path: '/v1/customers/{id}' },
  updateDevice: { method: 'PATCH', path: '/v1/devices/{id}' },
  updateWebhook: { method: 'PATCH', path: '/v1/webhooks/{id}' },
} as const;
