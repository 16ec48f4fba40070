"""Word lists the demo district draws its people, schools, streets and cities from.

Plain tuples, so a draw is one index; the lists only need to be long enough to look varied.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aiden", "Alejandro", "Alice", "Amara", "Amelia", "Andre", "Anika", "Aria", "Arjun",
    "Ava", "Benjamin", "Bianca", "Caleb", "Camila", "Carlos", "Charlotte", "Chloe", "Daniel",
    "Daniela", "David", "Delilah", "Diego", "Dylan", "Elena", "Eli", "Elijah", "Ella", "Emily",
    "Emma", "Ethan", "Evelyn", "Ezra", "Fatima", "Finn", "Gabriel", "Grace", "Hannah", "Harper",
    "Hazel", "Henry", "Hiro", "Imani", "Isaac", "Isabella", "Jackson", "Jada", "James", "Jasmine",
    "Javier", "Jayden", "Kai", "Kayla", "Leah", "Leo", "Liam", "Lily", "Lucas", "Lucia", "Luna",
    "Malik", "Maya", "Mateo", "Mia", "Miguel", "Mila", "Mohammed", "Naomi", "Nathan", "Noah",
    "Nora", "Oliver", "Olivia", "Omar", "Owen", "Priya", "Quinn", "Rafael", "Riley", "Rosa",
    "Ruby", "Samuel", "Santiago", "Sara", "Sebastian", "Sofia", "Stella", "Theo", "Valentina",
    "Victoria", "Wei", "William", "Xavier", "Yara", "Yusuf", "Zara", "Zoe",
)

LAST_NAMES: tuple[str, ...] = (
    "Adams", "Ahmed", "Alvarez", "Anderson", "Baker", "Bennett", "Brooks", "Brown", "Campbell",
    "Carter", "Castillo", "Chen", "Clark", "Collins", "Cruz", "Davis", "Diaz", "Edwards", "Evans",
    "Fischer", "Flores", "Foster", "Garcia", "Gomez", "Gonzalez", "Green", "Gupta", "Hall",
    "Harris", "Hernandez", "Hill", "Hughes", "Jackson", "James", "Johnson", "Jones", "Kaur",
    "Kelly",
    "Kim", "King", "Kowalski", "Lee", "Lewis", "Lopez", "Martin", "Martinez", "Mendoza", "Miller",
    "Mitchell", "Moore", "Morales", "Morgan", "Murphy", "Nguyen", "Nelson", "Novak", "O'Brien",
    "Okafor", "Ortiz", "Park", "Parker", "Patel", "Perez", "Peterson", "Phillips", "Ramirez",
    "Reed", "Reyes", "Rivera", "Roberts", "Robinson", "Rodriguez", "Rogers", "Ross", "Russell",
    "Sanchez", "Santos", "Schmidt", "Scott", "Shah", "Silva", "Singh", "Smith", "Stewart",
    "Sullivan", "Taylor", "Thomas", "Thompson", "Torres", "Tran", "Turner", "Walker", "Wang",
    "Ward", "Watson", "White", "Williams", "Wilson", "Wright", "Young", "Zhang",
)

# Names shared by schools and streets; a school or street beyond the first len() gets a qualifier.
PLACE_NAMES: tuple[str, ...] = (
    "Adams", "Aspen", "Bayview", "Birch", "Briarwood", "Brookside", "Cedar", "Chestnut",
    "Clearwater", "Columbia", "Cottonwood", "Crestview", "Cypress", "Douglas", "Eastwood", "Elm",
    "Evergreen", "Fairview", "Franklin", "Garfield", "Glenwood", "Grant", "Hamilton", "Harrison",
    "Hawthorne", "Hemlock", "Highland", "Hillcrest", "Hollis", "Jefferson", "Juniper", "Kennedy",
    "Lakeside", "Laurel", "Lincoln", "Linden", "Madison", "Magnolia", "Maple", "Meadowbrook",
    "Monroe", "Oakridge", "Orchard", "Parkside", "Pinecrest", "Pioneer", "Prairie", "Redwood",
    "Ridgeview", "Riverside", "Roosevelt", "Sequoia", "Shady Grove", "Sherman", "Spruce",
    "Stonebridge", "Summit", "Sunnyside", "Sycamore", "Taft", "Truman", "Valley View", "Walnut",
    "Washington", "Westwood", "Whitman", "Willow", "Wilson", "Woodland", "Yorktown",
)

SCHOOL_QUALIFIERS: tuple[str, ...] = (
    "", "North ", "South ", "East ", "West ", "Upper ", "Lower ", "Old ", "New ", "Lake ",
    "Mount ", "Fort ", "Port ", "Glen ", "Green ", "Saint ",
)

STREET_SUFFIXES: tuple[str, ...] = (
    "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Boulevard", "Place", "Terrace",
)

CITIES: tuple[str, ...] = (
    "Riverton", "Maple Falls", "Cedar Bluff", "Fairmont", "Lakewood", "Brookhaven", "Oak Harbor",
    "Millbrook", "Springdale", "Westfield", "Granite City", "Pine Ridge", "Silver Lake",
    "Ashford", "Clearview", "Northgate", "Elmhurst", "Summerville", "Harbor Point", "Greenville",
)


# Levels start at different places of PLACE_NAMES, so a district's first schools differ in name.
SCHOOL_NAME_START = {"Elementary": 0, "Middle School": 29, "High School": 53}


def school_name(index: int, kind: str) -> str:
    """A distinct school name for the index-th school of one kind, e.g. "Maple Elementary"."""
    position = index + SCHOOL_NAME_START.get(kind, 0)
    per_round = len(PLACE_NAMES) * len(SCHOOL_QUALIFIERS)
    qualifier = SCHOOL_QUALIFIERS[(position // len(PLACE_NAMES)) % len(SCHOOL_QUALIFIERS)]
    base = qualifier + PLACE_NAMES[position % len(PLACE_NAMES)]
    overflow = position // per_round
    return f"{base} {kind}" if overflow == 0 else f"{base} {kind} {overflow + 1}"


def street_name(index: int) -> str:
    """The index-th street name; distinct for any len(PLACE_NAMES) * len(STREET_SUFFIXES)
    consecutive indexes (name and suffix both change from one street to the next)."""
    rounds, name = divmod(index, len(PLACE_NAMES))
    return f"{PLACE_NAMES[name]} {STREET_SUFFIXES[(rounds + name) % len(STREET_SUFFIXES)]}"
