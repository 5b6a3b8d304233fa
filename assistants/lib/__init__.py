"""Plumbing shared by all three apps: nothing here knows about assistants, ratings or
insights. It lives in `assistants`, the app every other one builds on, so that any app may
import it without importing upward."""
