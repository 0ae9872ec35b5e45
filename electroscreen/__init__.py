"""electroscreen: screening workbench for solid-state battery electrolytes."""

__version__ = "0.1.0"
