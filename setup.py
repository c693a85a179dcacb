"""Build genlm from settings.ini (package metadata) and ship templates/ inside the wheel as genlm/templates."""
from configparser import ConfigParser
from pathlib import Path

from setuptools import setup

root = Path(__file__).parent
cfg = ConfigParser()
cfg.read(root / "settings.ini")
c = cfg["DEFAULT"]

setup(
    name=c["lib_name"],
    version=c["version"],
    description=c["description"],
    long_description=(root / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author=c["author"],
    author_email=c["author_email"],
    license=c["license"],
    url=c["url"],
    python_requires=">=" + c["min_python"],
    packages=["genlm", "genlm.templates"],
    package_dir={"genlm": "genlm", "genlm.templates": "templates"},
    package_data={"genlm.templates": ["*.json"]},
    install_requires=c["requirements"].split(),
    extras_require={k.removesuffix("_requirements"): c[k].split() for k in c if k.endswith("_requirements") and k != "requirements"},
    entry_points={"console_scripts": c["console_scripts"].split(), "nbdev": ["genlm=genlm._modidx:d"]},
)
