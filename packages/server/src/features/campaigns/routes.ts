// The campaign routes: create, list, read with progress and funnel, start, pause, resume, cancel,
// preview the message; and the tracked link an invitation carries.
import { idPattern } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { decodeCursor, encodeCursor } from '../../http/cursors.ts';
import {
  Cursor,
  errorResponses,
  idParam,
  Limit,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import {
  type Campaign,
  campaignChannels,
  campaignKinds,
  campaignStatuses,
  type Funnel,
  maxLinkValidDays,
  maxMessageLength,
  maxRatePerSecond,
} from './model.ts';

const Language = Type.String({ pattern: '^[a-zA-Z]{2,3}$', description: 'A language such as en or de.' });
const Messages = Type.Record(
  Type.String({ pattern: '^([a-z]{2,3}|default)$' }),
  Type.String({ minLength: 1, maxLength: maxMessageLength }),
  {
    description:
      "Announcements only: the text per language (`en`, `de`, ...) and `default`, which is required; `{tenant}` is replaced by the tenant name. Invitations use the tenant's activation-link templates.",
  },
);

const AudienceSchema = Type.Object(
  {
    kind: Type.String({ enum: ['all', 'csv', 'search'] }),
    listed: Type.Optional(Type.Integer({ description: 'csv: external ids the file listed.' })),
    matched: Type.Optional(Type.Integer({ description: 'csv: customers they matched.' })),
    noDevice: Type.Optional(
      Type.Boolean({ description: 'search: only customers without an active device.' }),
    ),
    language: Type.Optional(Type.String({ description: 'search: only customers of this language.' })),
  },
  { additionalProperties: false },
);

const CampaignSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String({ enum: [...campaignKinds] }),
    channel: Type.String({ enum: [...campaignChannels] }),
    audience: AudienceSchema,
    messages: Type.Record(Type.String(), Type.String()),
    ratePerSecond: Type.Integer(),
    linkValidDays: Type.Integer(),
    status: Type.String({ enum: [...campaignStatuses] }),
    audienceComplete: Type.Boolean({
      description:
        'Whether the whole audience has been read; until then `total` is the count taken at creation.',
    }),
    total: Type.Integer({ description: 'Customers in the audience.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    startedAt: Type.Union([Timestamp, Type.Null()]),
    finishedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

const FunnelSchema = Type.Object(
  {
    audience: Type.Integer({ description: 'Recipients written so far.' }),
    pending: Type.Integer({ description: 'Not sent yet.' }),
    sent: Type.Integer({ description: 'Handed to the provider.' }),
    delivered: Type.Integer({ description: 'Reported delivered by the provider (where it reports).' }),
    opened: Type.Integer({ description: "Opened the invitation's link." }),
    enrolled: Type.Integer({ description: 'Enrolled a device after the invitation was sent.' }),
    skipped: Type.Integer({ description: 'Not sent: opted out, no address, SIM swap window, ...' }),
    failed: Type.Integer({
      description: 'The provider refused, or a stopped server left the outcome unknown.',
    }),
    reasons: Type.Record(Type.String(), Type.Integer(), { description: 'Skipped and failed, by reason.' }),
  },
  { additionalProperties: false },
);

const CampaignDetail = Type.Object(
  {
    campaign: CampaignSchema,
    funnel: FunnelSchema,
    progress: Type.Object(
      {
        done: Type.Integer({ description: 'Sent, skipped or failed.' }),
        total: Type.Integer(),
        percent: Type.Number({ minimum: 0, maximum: 100 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const UnmatchedSchema = Type.Object(
  {
    count: Type.Integer(),
    first: Type.Array(Type.Object({ line: Type.Integer(), externalId: Type.String() })),
  },
  { description: 'External ids of the CSV that matched no customer (the first 20).' },
);

function campaignView(c: Campaign) {
  return {
    ...c,
    createdAt: toIso(c.createdAt),
    updatedAt: toIso(c.updatedAt),
    startedAt: toIsoOrNull(c.startedAt),
    finishedAt: toIsoOrNull(c.finishedAt),
  };
}

function detailView({ campaign, funnel }: { campaign: Campaign; funnel: Funnel }) {
  const done = funnel.sent + funnel.skipped + funnel.failed;
  const total = Math.max(campaign.total, done);
  return {
    campaign: campaignView(campaign),
    funnel,
    progress: {
      done,
      total,
      percent:
        total === 0 ? (campaign.status === 'completed' ? 100 : 0) : Math.round((done / total) * 1000) / 10,
    },
  };
}

const campaignIdPattern = new RegExp(idPattern('campaign'));

/** The list's cursor: the last campaign id of the page, base64url-encoded. */

export function registerCampaignRoutes(app: TypedApp, { services, config }: AppDependencies): void {
  // A CSV of many external ids: the create route has its own body limit, above the default.
  const csvBodyLimit = Math.max(config.campaignCsvLimitBytes, config.bodyLimitBytes);
  app.get(
    '/v1/campaigns',
    {
      config: { auth: 'campaigns:read' },
      schema: {
        tags: ['campaigns'],
        summary: 'Rollout campaigns, newest first.',
        operationId: 'listCampaigns',
        security: operatorOrApiKey,
        querystring: Type.Object(
          { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(CampaignSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const page = await services.campaigns.list(tenantId, {
        limit: request.query.limit ?? 50,
        after:
          request.query.cursor === undefined
            ? undefined
            : decodeCursor(request.query.cursor, campaignIdPattern),
      });
      return {
        items: page.campaigns.map(campaignView),
        nextCursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor),
      };
    },
  );

  app.post(
    '/v1/campaigns',
    {
      config: { auth: 'campaigns:write' },
      bodyLimit: csvBodyLimit,
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign (a draft; start it with POST /v1/campaigns/{id}/start).',
        description:
          "Audience: `all` customers, a `csv` of external ids (a header line naming `external_id`, or one id a line), or a `search` (`noDevice`: customers without an active device; `language`: customers whose locale is that language). Kind: `invitation` sends each customer a new activation link (valid `linkValidDays`) with the tenant's activation-link template in their language; `announcement` sends `messages`. Docs: docs/campaigns.md.",
        operationId: 'createCampaign',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            kind: Type.String({ enum: [...campaignKinds] }),
            channel: Type.String({ enum: [...campaignChannels] }),
            audience: Type.Union([
              Type.Object({ kind: Type.Literal('all') }, { additionalProperties: false }),
              Type.Object(
                { kind: Type.Literal('csv'), csv: Type.String({ minLength: 1 }) },
                { additionalProperties: false },
              ),
              Type.Object(
                {
                  kind: Type.Literal('search'),
                  noDevice: Type.Optional(Type.Boolean()),
                  language: Type.Optional(Language),
                },
                { additionalProperties: false },
              ),
            ]),
            messages: Type.Optional(Messages),
            ratePerSecond: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: maxRatePerSecond,
                description: 'Messages per second (default 10).',
              }),
            ),
            linkValidDays: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: maxLinkValidDays,
                description: 'How long an invitation link works (default 14).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            { ...CampaignDetail.properties, unmatched: Type.Optional(UnmatchedSchema) },
            { additionalProperties: false },
          ),
          ...errorResponses(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const body = request.body;
      const { campaign, unmatched } = await services.campaigns.create(
        principal.tenantId,
        {
          name: body.name,
          kind: body.kind as Campaign['kind'],
          channel: body.channel as Campaign['channel'],
          audience: body.audience,
          messages: body.messages,
          ratePerSecond: body.ratePerSecond,
          linkValidDays: body.linkValidDays,
        },
        principal.actor,
      );
      const detail = await services.campaigns.get(principal.tenantId, campaign.id);
      reply.code(201);
      return { ...detailView(detail), ...(unmatched ? { unmatched } : {}) };
    },
  );

  app.post(
    '/v1/campaigns/preview',
    {
      config: { auth: 'campaigns:read' },
      schema: {
        tags: ['campaigns'],
        summary: 'The message each language would get, with a sample link.',
        operationId: 'previewCampaign',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            kind: Type.String({ enum: [...campaignKinds] }),
            messages: Type.Optional(Messages),
            languages: Type.Array(Language, { minItems: 1, maxItems: 20 }),
            linkValidDays: Type.Optional(Type.Integer({ minimum: 1, maximum: maxLinkValidDays })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            previews: Type.Array(
              Type.Object({
                language: Type.String(),
                subject: Type.Union([Type.String(), Type.Null()]),
                text: Type.String(),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403, 413, 415),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const previews = await services.campaigns.preview(tenantId, {
        kind: request.body.kind as Campaign['kind'],
        messages: request.body.messages,
        languages: request.body.languages.map((l) => l.toLowerCase()),
        linkValidDays: request.body.linkValidDays,
      });
      return { previews };
    },
  );

  app.get(
    '/v1/campaigns/:id',
    {
      config: { auth: 'campaigns:read' },
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign with its progress and funnel (sent, delivered, opened, enrolled).',
        operationId: 'getCampaign',
        security: operatorOrApiKey,
        params: idParam('campaign', 'Campaign id.'),
        response: { 200: CampaignDetail, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return detailView(await services.campaigns.get(tenantId, request.params.id));
    },
  );

  const changes = [
    ['start', 'startCampaign', 'Start sending (a draft).'],
    ['pause', 'pauseCampaign', 'Pause sending; what is in flight finishes.'],
    ['resume', 'resumeCampaign', 'Resume a paused campaign where it stopped.'],
    ['cancel', 'cancelCampaign', 'Stop for good; recipients not yet sent stay unsent.'],
  ] as const;
  for (const [change, operationId, summary] of changes) {
    app.post(
      `/v1/campaigns/:id/${change}`,
      {
        config: { auth: 'campaigns:write' },
        schema: {
          tags: ['campaigns'],
          summary,
          operationId,
          security: operatorOrApiKey,
          params: idParam('campaign', 'Campaign id.'),
          response: { 200: CampaignDetail, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request);
        return detailView(
          await services.campaigns.change(principal.tenantId, request.params.id, change, principal.actor),
        );
      },
    );
  }

  // The invitation's tracked link: records the first opening and sends the browser on to the
  // authenticator app. The activation code is in the link's fragment, which the browser keeps
  // across the redirect (RFC 9110, section 10.2.2) and never sends here. A browser navigation,
  // not an API operation, so it is left out of the OpenAPI document.
  app.get(
    '/v1/campaign-links/:token',
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        params: Type.Object(
          { token: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await services.campaigns.recordOpen(request.params.token);
      return reply.code(303).header('location', '/app/activate').send();
    },
  );
}
