"""Opening a Neo4j driver from explicit settings, with errors a user can act on.

Settings are passed in (cli.py reads NEO4J_URI & co.); nothing here reads the
environment. Any `bolt://`, `neo4j://` or `neo4j+s://` URI works unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graph.errors import ConnectionFailed, first_line

if TYPE_CHECKING:
    import neo4j

# The driver is imported by `open_driver` and `translate`, not here: a command that never
# connects (`--help`, `validate`, `schema`) should not pay for importing it.

SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


@dataclass(frozen=True)
class Settings:
    uri: str
    user: str = "neo4j"
    password: str = field(default="", repr=False)  # never printed
    database: str | None = None
    connect_timeout: float = 5.0

    def describe(self) -> str:
        return f"{redact(self.uri)} as {self.user}" + (f" (database {self.database})" if self.database else "")


def redact(uri: str) -> str:
    """`uri` without the user:password@ part, if it has one: safe to print."""
    if not isinstance(uri, str) or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    cut = len(rest)
    for sep in "/?#":
        if sep in rest:
            cut = min(cut, rest.index(sep))
    if "@" not in rest[:cut]:
        return uri
    return f"{scheme}://***@{rest[:cut].rsplit('@', 1)[1]}{rest[cut:]}"


def open_driver(settings: Settings, *, verify: bool = True) -> neo4j.Driver:
    """A driver that answered (when `verify`), or `ConnectionFailed` saying why."""
    import neo4j
    from neo4j import exceptions as nx

    shown = redact(settings.uri)
    scheme = settings.uri.split("://", 1)[0].lower() if "://" in settings.uri else ""
    if scheme not in SCHEMES:
        raise ConnectionFailed(f"unsupported Neo4j URI {shown!r}: use one of "
                               + ", ".join(f"{s}://" for s in SCHEMES))
    if shown != settings.uri:  # the driver refuses them anyway, and echoes the whole URI
        raise ConnectionFailed(f"Neo4j URI {shown!r} has credentials in it: give them with "
                               "NEO4J_USERNAME / NEO4J_PASSWORD (or --user / --password) instead")
    try:
        driver = neo4j.GraphDatabase.driver(
            settings.uri, auth=(settings.user, settings.password),
            connection_timeout=settings.connect_timeout,
            connection_acquisition_timeout=settings.connect_timeout * 2,
            max_transaction_retry_time=settings.connect_timeout * 3,
        )
    except (ValueError, nx.ConfigurationError) as e:
        raise ConnectionFailed(f"bad Neo4j URI {settings.uri!r}: {e}") from None
    if verify:
        try:
            if settings.database:
                driver.verify_connectivity(database=settings.database)
            else:
                driver.verify_connectivity()
        except BaseException as e:
            driver.close()
            raise translate(e, settings) from None
    return driver


def translate(e: BaseException, settings: Settings) -> BaseException:
    """Map a driver exception to a cisfilm error; others pass through unchanged."""
    from neo4j import exceptions as nx

    if isinstance(e, nx.AuthError):
        return ConnectionFailed(f"Neo4j at {settings.uri} refused the credentials for user "
                                f"{settings.user!r}: check NEO4J_USERNAME / NEO4J_PASSWORD")
    if isinstance(e, (nx.ServiceUnavailable, nx.SessionExpired, OSError)):
        return ConnectionFailed(f"Neo4j at {settings.uri} is unreachable: {first_line(e)}")
    if isinstance(e, nx.ClientError) and "database" in str(e).lower():
        return ConnectionFailed(f"Neo4j at {settings.uri}: {first_line(e)}")
    return e
