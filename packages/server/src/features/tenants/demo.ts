// The demo tenant's names: app/demo-data.ts seeds it on a first start, and the console's sign-in
// page offers its admin's e-mail address outside production.
export const demoTenantSlug = 'demo';
export const demoAdminEmail = 'admin@demo.example';
