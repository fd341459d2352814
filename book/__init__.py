"""The course as a website: ``python book/build.py`` writes _site/ (see README, "The course as a website")."""
