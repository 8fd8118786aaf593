// Tenants: one organisation's operators, customers and settings. What other features may use.
export { demoAdminEmail, demoTenantSlug } from './demo.ts';
export { tenantSlugPattern } from './tenants.ts';
