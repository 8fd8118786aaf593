// Rollout campaigns: invitations to enrol and announcements sent to many customers, throttled and
// resumable. What the composition and other features may use.
export { type CampaignService, createCampaignService } from './campaigns.ts';
export { type CampaignSender, createCampaignSender, runCampaignSender } from './sender.ts';
