"""The council blueprint, shared by the councils' pages (views.py) and their answers (answer_views.py)."""
from flask import Blueprint

bp = Blueprint("council", __name__)
