"""Write the bundled demo catalog (retrieval/data/demo_catalog.jsonl) for the fictional Aisle demo store.

Brands are real-world names but models, prices and stock are the demo store's own: the file exists
so that Aisle runs anywhere without the shared research data. Deterministic (seeded): rerunning
it reproduces the committed file byte for byte.

    python scripts/make_demo_catalog.py
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "retrieval" / "data" / "demo_catalog.jsonl"
rng = random.Random(20261122)

COLOURS = ["black", "white", "silver", "blue", "red", "grey", "green", "navy", "pink", "beige"]


def pick(seq, k=1):
    return rng.sample(seq, k) if k > 1 else rng.choice(seq)


def price(lo, hi):
    # Log-uniform: real catalogs hold many more cheap items than expensive ones.
    value = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return round(int(value) + rng.choice([0.99, 0.49, 0.0, 0.95]), 2)


CATEGORIES = {
    ("Audio", "Headphones"): dict(
        brands=["Sony", "Bose", "Sennheiser", "JBL", "Anker", "Audio-Technica", "Beyerdynamic"],
        kinds=["Wireless Noise Cancelling Over-Ear Headphones", "Wired Studio Headphones",
               "True Wireless Earbuds", "Sport Wireless Earbuds", "On-Ear Bluetooth Headphones"],
        price=(19, 399), n=24,
        attrs=lambda: {"connectivity": pick(["Bluetooth 5.3", "Bluetooth 5.2", "3.5 mm wired", "USB-C wired"]),
                       "battery_life_hours": pick([0, 8, 20, 30, 40, 60]),
                       "noise_cancelling": pick([True, False]), "weight_g": rng.randint(5, 320),
                       "water_resistance": pick(["none", "IPX4", "IPX5", "IP55"])},
    ),
    ("Audio", "Bluetooth Speakers"): dict(
        brands=["JBL", "Bose", "Sony", "Anker Soundcore", "Ultimate Ears", "Marshall", "Tribit"],
        kinds=["Portable Bluetooth Speaker", "Waterproof Mini Speaker", "Party Speaker",
               "Smart Home Speaker", "Outdoor Rugged Speaker"],
        price=(18, 349), n=24,
        attrs=lambda: {"connectivity": pick(["Bluetooth 5.3", "Bluetooth 5.1", "Bluetooth 5.0 + Wi-Fi"]),
                       "battery_life_hours": pick([8, 12, 16, 20, 24]), "output_power_w": pick([5, 10, 20, 30, 60, 120]),
                       "max_volume_db": rng.randint(78, 102), "water_resistance": pick(["IPX4", "IPX7", "IP67", "none"]),
                       "weight_g": rng.randint(200, 5200)},
    ),
    ("Computers", "Laptops"): dict(
        brands=["Lenovo", "Dell", "HP", "Apple", "ASUS", "Acer", "Microsoft"],
        kinds=["Ultrabook", "Gaming Laptop", "2-in-1 Convertible Laptop", "Business Laptop", "Student Chromebook"],
        price=(229, 2899), n=22,
        attrs=lambda: {"screen_size_in": pick([11.6, 13.3, 14.0, 15.6, 16.0, 17.3]),
                       "ram_gb": pick([4, 8, 16, 32, 64]), "storage_gb": pick([64, 128, 256, 512, 1024, 2048]),
                       "processor": pick(["Intel Core i5-1340P", "Intel Core i7-13700H", "AMD Ryzen 5 7530U",
                                          "AMD Ryzen 7 7840HS", "Apple M3", "Intel Celeron N4500"]),
                       "battery_life_hours": pick([6, 8, 10, 12, 15, 18]), "weight_kg": round(rng.uniform(1.0, 3.2), 2),
                       "operating_system": pick(["Windows 11 Home", "Windows 11 Pro", "macOS", "ChromeOS"])},
    ),
    ("Phones", "Smartphones"): dict(
        brands=["Samsung", "Apple", "Google", "OnePlus", "Motorola", "Xiaomi", "Nokia"],
        kinds=["5G Smartphone", "Compact Smartphone", "Camera Phone", "Budget Smartphone", "Foldable Phone"],
        price=(129, 1799), n=22,
        attrs=lambda: {"screen_size_in": pick([5.8, 6.1, 6.4, 6.7, 6.8, 7.6]), "storage_gb": pick([64, 128, 256, 512]),
                       "ram_gb": pick([4, 6, 8, 12]), "main_camera_mp": pick([12, 48, 50, 108, 200]),
                       "battery_mah": pick([3000, 4000, 4500, 5000]), "dual_sim": pick([True, False])},
    ),
    ("Computers", "Tablets"): dict(
        brands=["Apple", "Samsung", "Lenovo", "Amazon", "Microsoft", "Xiaomi"],
        kinds=["10-inch Tablet", "Pro Tablet with Pen Support", "Kids Tablet", "Android Tablet", "E-Reader"],
        price=(79, 1299), n=20,
        attrs=lambda: {"screen_size_in": pick([6.8, 8.0, 10.1, 10.9, 11.0, 12.9]), "storage_gb": pick([32, 64, 128, 256]),
                       "cellular": pick([True, False]), "battery_life_hours": pick([8, 10, 12, 15]),
                       "weight_g": rng.randint(180, 700)},
    ),
    ("Wearables", "Smartwatches"): dict(
        brands=["Garmin", "Apple", "Samsung", "Fitbit", "Amazfit", "Withings"],
        kinds=["GPS Running Watch", "Smartwatch", "Fitness Tracker", "Hybrid Smartwatch", "Outdoor Adventure Watch"],
        price=(39, 799), n=20,
        attrs=lambda: {"case_size_mm": pick([38, 40, 41, 42, 44, 45, 47]), "gps": pick([True, False]),
                       "battery_life_days": pick([1, 2, 7, 14, 21]), "water_resistance": pick(["5 ATM", "10 ATM", "IP68"]),
                       "heart_rate_monitor": True},
    ),
    ("TV & Video", "Televisions"): dict(
        brands=["LG", "Samsung", "Sony", "TCL", "Hisense", "Panasonic"],
        kinds=["4K UHD Smart TV", "OLED 4K TV", "QLED 4K TV", "Full HD Smart TV", "8K Mini-LED TV"],
        price=(149, 3999), n=20,
        attrs=lambda: {"screen_size_in": pick([32, 43, 50, 55, 65, 75, 85]),
                       "resolution": pick(["3840 x 2160", "1920 x 1080", "7680 x 4320"]),
                       "refresh_rate_hz": pick([60, 100, 120, 144]), "hdmi_ports": pick([2, 3, 4]),
                       "smart_platform": pick(["webOS", "Tizen", "Google TV", "Roku TV", "Fire TV"])},
    ),
    ("Cameras", "Digital Cameras"): dict(
        brands=["Canon", "Nikon", "Sony", "Fujifilm", "Panasonic", "GoPro", "OM System"],
        kinds=["Mirrorless Camera Body", "Mirrorless Camera with Kit Lens", "Action Camera", "Compact Camera",
               "DSLR Camera"],
        price=(199, 3499), n=20,
        attrs=lambda: {"sensor": pick(["Full frame", "APS-C", "Micro Four Thirds", "1-inch"]),
                       "megapixels": pick([12, 20, 24, 26, 33, 45, 61]), "video": pick(["4K 30p", "4K 60p", "6K", "1080p"]),
                       "image_stabilisation": pick([True, False]), "weight_g": rng.randint(120, 900)},
    ),
    ("Computer Accessories", "Keyboards"): dict(
        brands=["Logitech", "Keychron", "Razer", "Corsair", "Microsoft", "SteelSeries"],
        kinds=["Mechanical Keyboard", "Wireless Keyboard", "Ergonomic Split Keyboard", "Gaming Keyboard RGB",
               "Compact 60% Keyboard"],
        price=(19, 229), n=20,
        attrs=lambda: {"switch_type": pick(["Brown tactile", "Red linear", "Blue clicky", "Membrane", "Low-profile"]),
                       "layout": pick(["Full size", "TKL", "75%", "65%", "60%"]),
                       "connectivity": pick(["USB-C wired", "Bluetooth", "2.4 GHz + Bluetooth"]),
                       "backlight": pick(["RGB", "White", "none"]), "quiet_keys": pick([True, False])},
    ),
    ("Computer Accessories", "Mice"): dict(
        brands=["Logitech", "Razer", "Microsoft", "SteelSeries", "Corsair", "Anker"],
        kinds=["Wireless Mouse", "Gaming Mouse", "Ergonomic Vertical Mouse", "Silent Click Mouse", "Travel Mouse"],
        price=(9, 159), n=20,
        attrs=lambda: {"dpi": pick([1600, 4000, 8000, 16000, 26000]),
                       "connectivity": pick(["USB receiver", "Bluetooth", "Wired USB", "2.4 GHz + Bluetooth"]),
                       "buttons": pick([3, 5, 6, 8, 11]), "silent_clicks": pick([True, False]), "weight_g": rng.randint(55, 140)},
    ),
    ("Computer Accessories", "Monitors"): dict(
        brands=["Dell", "LG", "Samsung", "ASUS", "BenQ", "AOC", "Acer"],
        kinds=["27-inch 4K Monitor", "Curved Ultrawide Monitor", "Gaming Monitor 165 Hz", "Office Monitor",
               "Portable USB-C Monitor"],
        price=(89, 1299), n=20,
        attrs=lambda: {"screen_size_in": pick([15.6, 24, 27, 32, 34, 49]),
                       "resolution": pick(["1920 x 1080", "2560 x 1440", "3840 x 2160", "3440 x 1440"]),
                       "refresh_rate_hz": pick([60, 75, 144, 165, 240]), "panel": pick(["IPS", "VA", "OLED", "TN"]),
                       "usb_c": pick([True, False])},
    ),
    ("Networking", "Wi-Fi Routers"): dict(
        brands=["TP-Link", "Netgear", "ASUS", "Linksys", "Eero", "Ubiquiti"],
        kinds=["Wi-Fi 6 Router", "Mesh Wi-Fi System (3-pack)", "Wi-Fi 7 Tri-Band Router", "Travel Router",
               "Gaming Router"],
        price=(29, 699), n=18,
        attrs=lambda: {"wifi_standard": pick(["Wi-Fi 5", "Wi-Fi 6", "Wi-Fi 6E", "Wi-Fi 7"]),
                       "max_speed_mbps": pick([1200, 1800, 3000, 5400, 11000, 19000]), "ethernet_ports": pick([1, 2, 4, 5]),
                       "coverage_sqft": pick([1500, 2500, 4500, 6500])},
    ),
    ("Home & Kitchen", "Coffee Makers"): dict(
        brands=["De'Longhi", "Breville", "Nespresso", "Keurig", "Philips", "Cuisinart", "Melitta"],
        kinds=["Espresso Machine", "Drip Coffee Maker", "Single-Serve Pod Machine", "Bean-to-Cup Machine",
               "French Press"],
        price=(24, 1499), n=20,
        attrs=lambda: {"capacity_cups": pick([1, 4, 10, 12, 14]), "water_tank_l": pick([0.8, 1.0, 1.4, 1.8, 2.0]),
                       "pressure_bar": pick([0, 9, 15, 19]), "programmable": pick([True, False]),
                       "milk_frother": pick([True, False])},
    ),
    ("Home & Kitchen", "Blenders"): dict(
        brands=["Vitamix", "Ninja", "NutriBullet", "KitchenAid", "Oster", "Braun"],
        kinds=["Countertop Blender", "Personal Smoothie Blender", "Hand Immersion Blender", "High-Speed Blender",
               "Blender and Food Processor Combo"],
        price=(19, 649), n=18,
        attrs=lambda: {"power_w": pick([300, 600, 900, 1200, 1500]), "jar_capacity_l": pick([0.6, 0.9, 1.5, 2.0]),
                       "speeds": pick([2, 3, 5, 10]), "dishwasher_safe": pick([True, False])},
    ),
    ("Home & Kitchen", "Vacuum Cleaners"): dict(
        brands=["Dyson", "Shark", "iRobot", "Bissell", "Miele", "Eufy", "Roborock"],
        kinds=["Cordless Stick Vacuum", "Robot Vacuum", "Bagged Canister Vacuum", "Upright Vacuum",
               "Handheld Vacuum"],
        price=(39, 1099), n=20,
        attrs=lambda: {"runtime_min": pick([15, 30, 40, 60, 90, 180]), "noise_db": rng.randint(55, 82),
                       "bin_capacity_l": pick([0.3, 0.5, 0.8, 1.5, 3.0]), "hepa_filter": pick([True, False]),
                       "weight_kg": round(rng.uniform(1.2, 8.5), 1)},
    ),
    ("Sports & Outdoors", "Running Shoes"): dict(
        brands=["Nike", "Adidas", "Asics", "Brooks", "Hoka", "New Balance", "Saucony"],
        kinds=["Road Running Shoes", "Trail Running Shoes", "Racing Shoes", "Stability Running Shoes",
               "Cushioned Running Shoes"],
        price=(49, 249), n=20,
        attrs=lambda: {"gender": pick(["men", "women", "unisex"]), "size_us": pick(["7", "8", "8.5", "9", "10", "11", "12"]),
                       "drop_mm": pick([0, 4, 6, 8, 10, 12]), "weight_g": rng.randint(190, 330),
                       "waterproof": pick([True, False])},
    ),
    ("Bags", "Backpacks"): dict(
        brands=["Osprey", "The North Face", "Samsonite", "Herschel", "Deuter", "Patagonia"],
        kinds=["Laptop Backpack", "Hiking Daypack", "Travel Backpack 40L", "Roll-Top Commuter Backpack",
               "School Backpack"],
        price=(29, 299), n=18,
        attrs=lambda: {"capacity_l": pick([18, 22, 26, 30, 40, 45]), "laptop_sleeve_in": pick([0, 13, 15, 16, 17]),
                       "material": pick(["recycled polyester", "nylon", "canvas", "ripstop nylon"]),
                       "water_resistant": pick([True, False])},
    ),
    ("Clothing", "Jackets"): dict(
        brands=["Patagonia", "The North Face", "Columbia", "Arc'teryx", "Uniqlo", "Helly Hansen"],
        kinds=["Waterproof Rain Jacket", "Down Puffer Jacket", "Fleece Jacket", "Softshell Jacket",
               "Insulated Parka"],
        price=(39, 699), n=18,
        attrs=lambda: {"gender": pick(["men", "women", "unisex"]), "size": pick(["XS", "S", "M", "L", "XL", "XXL"]),
                       "waterproof_rating_mm": pick([0, 5000, 10000, 20000, 28000]),
                       "insulation": pick(["none", "synthetic", "650-fill down", "800-fill down", "fleece"]),
                       "hood": pick([True, False])},
    ),
}

SERIES = ["Air", "Pro", "Lite", "Max", "One", "Go", "Flex", "Ultra", "Neo", "Core", "Edge", "Nova", "Pulse", "Terra"]


def describe(kind: str, brand: str, colour: str, attrs: dict) -> str:
    facts = []
    for key, value in attrs.items():
        label = key.replace("_", " ")
        if isinstance(value, bool):
            facts.append(f"{label}: {'yes' if value else 'no'}")
        else:
            facts.append(f"{label}: {value}")
    opener = pick([
        f"A {colour} {kind.lower()} from {brand}, built for everyday use.",
        f"{brand}'s {kind.lower()} in {colour}, designed to be reliable and easy to live with.",
        f"This {kind.lower()} by {brand} balances performance and value.",
        f"Dependable {kind.lower()} from {brand}; finished in {colour}.",
    ])
    return opener + " Key specs — " + "; ".join(facts) + "."


def main() -> None:
    rows = []
    counter = 1000
    for (top, leaf), spec in CATEGORIES.items():
        for _ in range(spec["n"]):
            counter += 1
            brand = pick(spec["brands"])
            kind = pick(spec["kinds"])
            colour = pick(COLOURS[:6] if top in {"Computers", "TV & Video", "Networking"} else COLOURS)
            attrs = {"color": colour, **spec["attrs"]()}
            conn = str(attrs.get("connectivity", ""))
            if ("wireless" in kind.lower() or "bluetooth" in kind.lower()) and "wired" in conn.lower():
                attrs["connectivity"] = "Bluetooth 5.3"
            elif "wired" in kind.lower() and "wireless" not in kind.lower() and "connectivity" in attrs:
                attrs["connectivity"] = "3.5 mm wired"
                attrs["battery_life_hours"] = 0
            if "quiet" not in kind.lower() and attrs.get("noise_db", 99) < 62:
                kind_title = "Quiet " + kind
            else:
                kind_title = kind
            model = f"{pick(SERIES)} {rng.randint(2, 9)}{pick(['', '0', '00', 'X', 'S'])}".strip()
            title = f"{brand} {model} {kind_title} - {colour.title()}"
            lo, hi = spec["price"]
            stock = 0 if rng.random() < 0.09 else rng.choice([2, 5, 8, 12, 25, 40, 120])
            rows.append({
                "id": f"AIS-{counter}",
                "title": title,
                "description": describe(kind_title, brand, colour, attrs),
                "brand": brand,
                "category": [top, leaf],
                "price": price(lo, hi),
                "currency": "USD",
                "rating": round(rng.uniform(3.1, 4.9), 1),
                "rating_count": int(rng.lognormvariate(4.5, 1.3)),
                "attributes": attrs,
                "image_url": None,
                "stock": stock,
            })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} products in {len(CATEGORIES)} categories to {OUT}")


if __name__ == "__main__":
    main()
