/**
 * Word lists the generator draws from. The first names of each list are deliberately non-ASCII
 * (diacritics, ligatures, CJK) so that every preset exercises Unicode handling end to end.
 */

/** Given name + surname pairs that every tenant contains, in this order. */
export const UNICODE_PEOPLE: readonly [string, string][] = [
  ['Zoë', 'Ærøskøbing'],
  ['José', 'Núñez'],
  ['伟', '王'],
  ['Łukasz', 'Żółć'],
  ['Søren', 'Kierkegård'],
  ['Ana', 'Gonçalves'],
];

export const GIVEN_NAMES: readonly string[] = [
  'Adele',
  'Alex',
  'Allan',
  'Ben',
  'Chloé',
  'Christie',
  'Diego',
  'Emily',
  'Enrico',
  'Fatima',
  'Grady',
  'Henrietta',
  'Irvin',
  'Isaiah',
  'Johanna',
  'Joni',
  'Kenji',
  'Lee',
  'Lidia',
  'Lynne',
  'Megan',
  'Miriam',
  'Nestor',
  'Patti',
  'Pradeep',
  'Raúl',
  'Sakura',
  'Siobhán',
  'Tomás',
  'Ursula',
  'Vikram',
  'Wanjiru',
  'Xavier',
  'Yara',
  'Zainab',
  'Ólafur',
  'Amara',
  'Björn',
  'Camila',
  'Dmitri',
  'Élodie',
  'Farhan',
  'Greta',
  'Hiroshi',
  'Ingrid',
  'Jamal',
  'Katarzyna',
  'Luis',
];

export const SURNAMES: readonly string[] = [
  'Vance',
  'Wilber',
  'Deyoung',
  'Walker',
  'Dubois',
  'Cline',
  'Soto',
  'Braun',
  'Rossi',
  'Haddad',
  'Archie',
  'Smith',
  'Muller',
  'Sayer',
  'Lamb',
  'Sherman',
  'Tanaka',
  'Gu',
  'Holloway',
  'Robbins',
  'Bowen',
  'Graham',
  'Nakamura',
  'Fernandez',
  'Gupta',
  'García',
  'Sato',
  "O'Brien",
  'Álvarez',
  'Schmidt',
  'Iyer',
  'Kamau',
  'Moreau',
  'Haddadi',
  'Okafor',
  'Jónsson',
  'Nwosu',
  'Lindqvist',
  'Pereira',
  'Volkov',
  'Lefèvre',
  'Rahman',
  'Eriksson',
  'Yamamoto',
  'Berg',
  'Khalil',
  'Nowak',
  'Herrera',
];

export const DEPARTMENTS: readonly string[] = [
  'Sales',
  'Marketing',
  'Engineering',
  'Finance',
  'Human Resources',
  'Legal',
  'Operations',
  'Support',
  'Research',
  'IT',
  'Product',
  'Executive',
];

export const JOB_TITLES: readonly string[] = [
  'Engineer',
  'Senior Engineer',
  'Account Executive',
  'Analyst',
  'Manager',
  'Director',
  'Specialist',
  'Consultant',
  'Coordinator',
  'Architect',
  'Administrator',
  'Designer',
];

export const LOCATIONS: readonly {
  country: string;
  usageLocation: string;
  city: string;
  language: string;
}[] = [
  { country: 'United States', usageLocation: 'US', city: 'Seattle', language: 'en-US' },
  { country: 'United States', usageLocation: 'US', city: 'New York', language: 'en-US' },
  { country: 'Germany', usageLocation: 'DE', city: 'München', language: 'de-DE' },
  { country: 'France', usageLocation: 'FR', city: 'Paris', language: 'fr-FR' },
  { country: 'Denmark', usageLocation: 'DK', city: 'Aarhus', language: 'da-DK' },
  { country: 'Japan', usageLocation: 'JP', city: 'Tokyo', language: 'ja-JP' },
  { country: 'Brazil', usageLocation: 'BR', city: 'São Paulo', language: 'pt-BR' },
  { country: 'India', usageLocation: 'IN', city: 'Bengaluru', language: 'en-IN' },
];

export const PARTNER_DOMAINS: readonly string[] = [
  'fabrikam.com',
  'litware.net',
  'adventure-works.com',
  'wingtiptoys.com',
  'proseware.org',
  'lucernepublishing.com',
];

export const TENANT_NAMES: readonly string[] = [
  'Contoso',
  'Northwind Traders',
  'Woodgrove Bank',
  'Tailspin Toys',
  'Adatum',
  'Relecloud',
];

export const GROUP_TOPICS: readonly string[] = [
  'Project Falcon',
  'Finance Team',
  'All Staff',
  'Sales EMEA',
  'Security Champions',
  'Data Platform',
  'Design Guild',
  'Release Managers',
  'Field Ops',
  'Mobile Devs',
  'Recruiting',
  'Vendor Access',
  'Executive Staff',
  'Helpdesk',
  'Café Übergrößen',
  'Équipe Paris',
  '東京オフィス',
];

/** An ASCII mail-nickname fragment of a name: diacritics dropped, other scripts replaced by `fallback`. */
export function asciiSlug(text: string, fallback: string): string {
  const folded = text
    .replace(/[Ææ]/g, 'ae')
    .replace(/[Øø]/g, 'o')
    .replace(/[Łł]/g, 'l')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
  return folded.length > 0 ? folded : fallback;
}
