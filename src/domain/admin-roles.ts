import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "./model";

/**
 * Microsoft Entra built-in roles a partner may request in an admin relationship (GDAP), by role
 * template id — the ids are the same in every tenant and cloud. Display names are what the
 * customer's page shows (English; role names are product names and are not translated).
 */
export const ADMIN_ROLE_CATALOG: Readonly<Record<string, string>> = Object.freeze({
  [GLOBAL_ADMINISTRATOR_ROLE_ID]: "Global Administrator",
  "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
  "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
  "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
  "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
  "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
  "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
  "f023fd81-a637-4b56-95fd-791ac0226033": "Service Support Administrator",
  "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
  "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
  "fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
  "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
  "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
  "5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
  "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
  "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
  "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
  "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
  "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
  "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
  "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
  "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
  "17315797-102d-40b4-93e0-432062caca18": "Compliance Administrator",
  "e6d1a23a-da11-4be4-9570-befc86d067a7": "Compliance Data Administrator",
  "44367163-eba1-44c3-98af-f5787879f96a": "Dynamics 365 Administrator",
  "11648597-926c-4cf3-9c36-bcebb0ba8dcc": "Power Platform Administrator",
  "a9ea8996-122f-4c74-9520-8edcd192826c": "Power BI Administrator",
  "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f": "Printer Administrator",
  "e3973bdf-4987-49ae-837a-ba8e231c7286": "Azure DevOps Administrator",
  "892c5842-a9a6-463a-8041-72aa08ca3cf6": "Cloud App Security Administrator",
  "7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
  "75941009-915a-4869-abe7-691bff18279e": "Skype for Business Administrator",
  "baf37b3a-610e-45da-9e62-d9d1e5e8914b": "Teams Communications Administrator",
  "38a96431-2bdf-4b4c-8b6e-5d3d8abac1a4": "Desktop Analytics Administrator",
  "0526716b-113d-4c15-b2c8-68e3c22b9f80": "Authentication Policy Administrator",
  "31392ffb-586c-42d1-9346-e59415a2cc4e": "Exchange Recipient Administrator",
});

export function isKnownAdminRole(roleId: string): boolean {
  return Object.prototype.hasOwnProperty.call(ADMIN_ROLE_CATALOG, roleId.toLowerCase());
}

/** The display name for a role id, or the id itself for one the catalog does not know. */
export function adminRoleDisplayName(roleId: string): string {
  return ADMIN_ROLE_CATALOG[roleId.toLowerCase()] ?? roleId;
}
