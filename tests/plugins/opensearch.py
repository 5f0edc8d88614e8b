"""Session fixture: a real single-node OpenSearch with vector search on loopback.

Maven Central serves OpenSearch's test distribution (`integ-test-zip`, only the
transport-netty4 module) and the k-NN plugin, but the plugin extends `lang-painless`,
which Maven has only as jars. So the server is put together from three pinned parts:
the 2.19.1 distribution, the k-NN plugin 2.19.1.0 (a plugin must match the server
version exactly; 2.19.1.0 is the only 2.19 build served) and a `lang-painless` module
from its 2.19.1 jar and the jars its POM names, with the descriptor and the security
policy the OpenSearch build writes for it. The Maven build of k-NN has no native
libraries, so the Lucene engine (HNSW, scalar-quantized) is the vector engine here.
Like Elasticsearch it runs as the unprivileged `aktenlotse-es` when the tests run as
root, and without the security plugin: TLS and credentials go through the nginx proxy.
"""

from __future__ import annotations

from pathlib import Path

from tests.plugins import search_server as servers
from tests.plugins.search_server import Pinned

OS_VERSION = "2.19.1"
MAVEN = "https://repo1.maven.org/maven2"
OS_ZIP = Pinned(
    f"{MAVEN}/org/opensearch/distribution/integ-test-zip/opensearch/{OS_VERSION}/opensearch-{OS_VERSION}.zip",
    "0bed69daad3c80e1302a0dba083f04f5accbb94ba8451052822ec065d24432fe"
    "096e329d6971758a8a021025b0302ee5b27eb5d89506853d8be736305f407651",
)
KNN_ZIP = Pinned(
    f"{MAVEN}/org/opensearch/plugin/opensearch-knn/{OS_VERSION}.0/opensearch-knn-{OS_VERSION}.0.zip",
    "b773727c4c41d08f3e3af4726cde420b90749c55a5cc82ca5fd42a5b58f3edb0"
    "02f2210b8653a597b5121d4034b428857df7bd82627b44946da7d2ad67111b28",
)
PAINLESS_JARS = (
    Pinned(
        f"{MAVEN}/org/opensearch/plugin/lang-painless/{OS_VERSION}/lang-painless-{OS_VERSION}.jar",
        "ba2fe248236b51b7ffc8a8eb9999b893161f2708215fd65d8363dc2054d6c67e"
        "c25b6c1aca13f1d580789e14ecc10a714b69ed1e2e152c61ce3c22c47aee4ec2",
    ),
    Pinned(
        f"{MAVEN}/org/opensearch/plugin/opensearch-scripting-painless-spi/{OS_VERSION}/"
        f"opensearch-scripting-painless-spi-{OS_VERSION}.jar",
        "964cb4b3b8ce94a42bc7e4e699d01db7b34c68966c8fc2d5014461c2b5e98a22"
        "e53b04173f8b33e2f12cd3ec9e571f033341ea72039017551de70641442624b1",
    ),
    Pinned(
        f"{MAVEN}/org/antlr/antlr4-runtime/4.13.1/antlr4-runtime-4.13.1.jar",
        "63eb51bfcee49c52848d8b7c3c46d8b4d367d85fb3c3db7175eaacba94e4d0c2"
        "27b78e5955a0e86e575e1c6206fc2a43e5fa96fb04ad7c16e24ec94015cfc18b",
    ),
    Pinned(
        f"{MAVEN}/org/ow2/asm/asm/9.7/asm-9.7.jar",
        "ada37fcc95884a4d2cbc64495f5f67556c847e7724e26ccfbb15cc42a476436f"
        "a54b5d4fd4d9ed340241d848999d415e1cff07045d9e97d451c16aeed4911045",
    ),
    Pinned(
        f"{MAVEN}/org/ow2/asm/asm-analysis/9.7/asm-analysis-9.7.jar",
        "69c2a9f73262b0fe5c1758973b5406dc0639b0e1d9a82863d5bc2d664395b737"
        "e45f50789c6f7ba3c8915d7ec79858e197032066d6b8386e35d6aed6cd95a8f2",
    ),
    Pinned(
        f"{MAVEN}/org/ow2/asm/asm-commons/9.7/asm-commons-9.7.jar",
        "64544d7515aa4582ebf40e9a5ec32cbcee3ef0e3e15448bd56e6adb583d4ff76"
        "4a34bba866816e4415298da939b029384a6ccf887c70b5fe98ac23589e626f79",
    ),
    Pinned(
        f"{MAVEN}/org/ow2/asm/asm-tree/9.7/asm-tree-9.7.jar",
        "60c548f80af02ea8da5866104921ca818a8de846504faebac5cf016becba6b27"
        "7a33bf594a7fd783443856310864b2ffc99aa11cd6f4e439c086734923ef823b",
    ),
    Pinned(
        f"{MAVEN}/org/ow2/asm/asm-util/9.7/asm-util-9.7.jar",
        "7056f5905a27a8a3bc2e2b9774d1c70378b2441779bdce218f45aa2a549d1f4e"
        "2b81d562f20bf9a8d5be96d33e30a8f9e15caeebade6287dde6cc082afb36089",
    ),
)
# What OpenSearch's build writes next to the module's jars (modules/lang-painless/build.gradle).
PAINLESS_DESCRIPTOR = f"""\
description=An easy, safe and fast scripting language for OpenSearch
version={OS_VERSION}
name=lang-painless
classname=org.opensearch.painless.PainlessPlugin
java.version=11
opensearch.version={OS_VERSION}
extended.plugins=
has.native.controller=false
"""
PAINLESS_POLICY = """\
grant {
  // generates the classes of compiled scripts
  permission java.lang.RuntimePermission "createClassLoader";
  // finds the class loader of the allow-listed classes
  permission java.lang.RuntimePermission "getClassLoader";
};
"""


def assemble(workdir: Path) -> Path:
    """The distribution with the painless module and the k-NN plugin, unpacked in `workdir`."""
    servers.unzip(servers.fetch(OS_ZIP, "opensearch"), workdir)
    home = workdir / f"opensearch-{OS_VERSION}"
    painless = home / "modules" / "lang-painless"
    painless.mkdir(parents=True)
    for jar in PAINLESS_JARS:
        (painless / jar.name).write_bytes(servers.fetch(jar, "opensearch").read_bytes())
    (painless / "plugin-descriptor.properties").write_text(PAINLESS_DESCRIPTOR)
    (painless / "plugin-security.policy").write_text(PAINLESS_POLICY)
    servers.unzip(servers.fetch(KNN_ZIP, "opensearch"), home / "plugins" / "opensearch-knn")
    return home


def start_opensearch(workdir: Path, extra_settings: dict[str, str] | None = None) -> servers.SearchServer:
    """Assemble the server in `workdir` and start it; returns once healthy."""
    home = assemble(workdir)
    env = {
        "OPENSEARCH_JAVA_HOME": servers.java_home(),
        "OPENSEARCH_JAVA_OPTS": "-Xms512m -Xmx512m",
        "OPENSEARCH_TMPDIR": str(workdir / "tmp"),
    }
    return servers.launch("OpenSearch", workdir, home, "opensearch", extra_settings or {}, env)


# With AKTENLOTSE_TEST_OPENSEARCH_URL set, that running server is used instead of a fresh one.
opensearch_server, opensearch_url = servers.session_fixtures(
    "OpenSearch", "AKTENLOTSE_TEST_OPENSEARCH_URL", start_opensearch
)
