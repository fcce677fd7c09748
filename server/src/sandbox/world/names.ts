/**
 * Word lists for plausible company and contact names. Shipped in code (no faker dependency) so the
 * world is identical for a seed regardless of a library's data updates.
 */
import type { Rng } from "./random";

const companyHeads = [
  "Amber",
  "Apex",
  "Arbor",
  "Atlas",
  "Aurora",
  "Beacon",
  "Birch",
  "Blue",
  "Bright",
  "Cedar",
  "Cinder",
  "Clear",
  "Cobalt",
  "Copper",
  "Coral",
  "Crest",
  "Crimson",
  "Delta",
  "Ember",
  "Falcon",
  "Fern",
  "Flint",
  "Golden",
  "Granite",
  "Harbor",
  "Hazel",
  "Helix",
  "Indigo",
  "Iron",
  "Juniper",
  "Keystone",
  "Lantern",
  "Linden",
  "Lumen",
  "Maple",
  "Meridian",
  "Nimbus",
  "North",
  "Oak",
  "Onyx",
  "Orbit",
  "Pine",
  "Polar",
  "Prism",
  "Quartz",
  "Quill",
  "Raven",
  "Redwood",
  "River",
  "Sable",
  "Sage",
  "Silver",
  "Slate",
  "Solar",
  "Spruce",
  "Summit",
  "Swift",
  "Tidal",
  "Vector",
  "Willow",
];

const companyTails = [
  "Bridge",
  "Brook",
  "Cloud",
  "Field",
  "Forge",
  "Frame",
  "Gate",
  "Grid",
  "Grove",
  "Hill",
  "Leaf",
  "Light",
  "Line",
  "Loop",
  "Mark",
  "Mill",
  "Path",
  "Peak",
  "Point",
  "Port",
  "Rock",
  "Shore",
  "Signal",
  "Spark",
  "Stack",
  "Stone",
  "Stream",
  "Track",
  "Vale",
  "Wave",
  "Well",
  "Wind",
  "Wing",
  "Works",
  "Yard",
];

const companySuffixes = [
  "Labs",
  "Systems",
  "Analytics",
  "Health",
  "Logistics",
  "Software",
  "Data",
  "Robotics",
  "Media",
  "Finance",
  "Energy",
  "Studio",
  "Networks",
  "AI",
  "Bio",
  "Security",
  "Mobility",
  "Commerce",
  "Learning",
  "Insights",
  "Technologies",
  "Partners",
  "Cloud",
  "Foods",
];

const firstNames = [
  "Ada",
  "Amara",
  "Ana",
  "Arjun",
  "Aya",
  "Ben",
  "Camila",
  "Chen",
  "Chloe",
  "Daniel",
  "David",
  "Elena",
  "Emeka",
  "Emma",
  "Farah",
  "Felix",
  "Grace",
  "Hana",
  "Hugo",
  "Ines",
  "Isaac",
  "Jonas",
  "Julia",
  "Kai",
  "Karin",
  "Kenji",
  "Lars",
  "Layla",
  "Leo",
  "Lina",
  "Lucas",
  "Maya",
  "Mateo",
  "Mei",
  "Mia",
  "Nadia",
  "Nikhil",
  "Noah",
  "Nora",
  "Olga",
  "Omar",
  "Priya",
  "Rafael",
  "Rosa",
  "Sam",
  "Sara",
  "Sofia",
  "Tariq",
  "Tom",
  "Vera",
  "Wei",
  "Yara",
  "Yusuf",
  "Zoe",
];

const lastNames = [
  "Abe",
  "Adeyemi",
  "Andersen",
  "Bauer",
  "Becker",
  "Costa",
  "Das",
  "Dubois",
  "Eriksen",
  "Fischer",
  "Garcia",
  "Gomez",
  "Haddad",
  "Hansen",
  "Ito",
  "Jensen",
  "Kaur",
  "Kim",
  "Kowalski",
  "Larsen",
  "Lopez",
  "Martin",
  "Meyer",
  "Moreau",
  "Nakamura",
  "Nguyen",
  "Novak",
  "Okafor",
  "Olsen",
  "Park",
  "Patel",
  "Petrov",
  "Reyes",
  "Rossi",
  "Santos",
  "Schmidt",
  "Silva",
  "Singh",
  "Tanaka",
  "Torres",
  "Varga",
  "Wagner",
  "Walsh",
  "Weber",
  "Wong",
  "Yilmaz",
  "Zhang",
];

const tlds = ["com", "io", "dev", "co", "ai", "net"];

export interface CompanyName {
  name: string;
  /** URL/identifier-safe form of the name, e.g. `amber-bridge-labs`. */
  slug: string;
  domain: string;
}

function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** A company name not yet in `taken` (slugs); `taken` is updated. */
export function companyName(rng: Rng, taken: Set<string>): CompanyName {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const head = rng.pick(companyHeads);
    const form = rng.next();
    // Three shapes, like real company names: "Amber Bridge", "Amberbridge Labs", "Amber Labs".
    const name =
      form < 0.4
        ? `${head} ${rng.pick(companyTails)}`
        : form < 0.75
          ? `${head}${rng.pick(companyTails).toLowerCase()} ${rng.pick(companySuffixes)}`
          : `${head} ${rng.pick(companySuffixes)}`;
    const slug = slugify(name);
    if (taken.has(slug)) continue;
    taken.add(slug);
    const domain = `${slug.replace(/-/g, "")}.${rng.pick(tlds)}`;
    return { name, slug, domain };
  }
  // Only reachable for worlds far larger than the word lists; still unique and deterministic.
  const n = taken.size + 1;
  const slug = `customer-${n}`;
  taken.add(slug);
  return { name: `Customer ${n}`, slug, domain: `customer${n}.example` };
}

/** A billing contact at the company, e.g. `maya.okafor@amberbridge.io`. */
export function contactEmail(rng: Rng, domain: string): string {
  const form = rng.next();
  if (form < 0.25)
    return `${rng.pick(["billing", "finance", "accounts", "ops", "platform"])}@${domain}`;
  const first = rng.pick(firstNames).toLowerCase();
  const last = rng.pick(lastNames).toLowerCase();
  return form < 0.8 ? `${first}.${last}@${domain}` : `${first[0] ?? "x"}${last}@${domain}`;
}
