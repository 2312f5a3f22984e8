using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server.Configuration;
using YamlDotNet.RepresentationModel;

namespace RecoGrid.Cli.Tests;

/// <summary>
/// The Kubernetes manifests and Dockerfiles under deploy/ refer to things that exist: Service selectors and HPA/PDB
/// targets match pods, ConfigMap and Secret references resolve, probes hit paths and ports the app serves, every
/// setting is one RecoGrid knows, images are pinned, and every file a Dockerfile copies is in the repository.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string Root = FindRepositoryRoot();
    private static readonly List<YamlMappingNode> Documents = LoadManifests();

    [Fact]
    public void EveryManifestDocumentHasAKindAndAName()
    {
        Assert.NotEmpty(Documents);
        foreach (var document in Documents)
        {
            Assert.False(string.IsNullOrEmpty(Scalar(document, "apiVersion")), "a document without apiVersion");
            Assert.False(string.IsNullOrEmpty(Name(document)), $"a {Scalar(document, "kind")} without metadata.name");
        }

        var kinds = Documents.Select(d => Scalar(d, "kind")).ToHashSet(StringComparer.Ordinal);
        foreach (var kind in new[] { "Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "Secret", "PodDisruptionBudget", "ServiceAccount", "Role", "RoleBinding" })
        {
            Assert.Contains(kind, kinds);
        }

        Assert.Equal(["recogrid-api", "recogrid-scoring", "recogrid-training"], Of("Deployment").Select(Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void ServicesSelectPodsAndTargetPortsTheyDeclare()
    {
        foreach (var service in Of("Service"))
        {
            var selector = Labels(Map(service, "spec", "selector"));
            var pods = Of("Deployment").Where(d => Matches(selector, PodLabels(d))).ToList();
            Assert.True(pods.Count > 0, $"Service {Name(service)} selects no pod template");
            foreach (var port in Seq(service, "spec", "ports").Cast<YamlMappingNode>())
            {
                var target = Scalar(port, "targetPort");
                Assert.All(pods, pod => Assert.Contains(target, Containers(pod).SelectMany(c => Seq(c, "ports").Cast<YamlMappingNode>()).Select(p => Scalar(p, "name"))));
            }
        }
    }

    [Fact]
    public void AutoscalersAndDisruptionBudgetsTargetExistingDeployments()
    {
        foreach (var hpa in Of("HorizontalPodAutoscaler"))
        {
            Assert.Contains(Scalar(Map(hpa, "spec", "scaleTargetRef"), "name"), Of("Deployment").Select(Name));
        }

        foreach (var deployment in Of("Deployment"))
        {
            Assert.Single(Of("PodDisruptionBudget"), pdb => Matches(Labels(Map(pdb, "spec", "selector", "matchLabels")), PodLabels(deployment)));
            Assert.True(Matches(Labels(Map(deployment, "spec", "selector", "matchLabels")), PodLabels(deployment)), $"{Name(deployment)}'s selector does not match its own pods");
        }
    }

    [Fact]
    public void ConfigMapAndSecretReferencesResolve()
    {
        var configMaps = Of("ConfigMap").ToDictionary(Name, c => Labels(Map(c, "data")).Keys.ToHashSet(StringComparer.Ordinal));
        var secrets = Of("Secret").ToDictionary(Name, s => Labels(Map(s, "stringData")).Keys.ToHashSet(StringComparer.Ordinal));
        var serviceAccounts = Of("ServiceAccount").Select(Name).ToHashSet(StringComparer.Ordinal);
        foreach (var deployment in Of("Deployment"))
        {
            Assert.Contains(Scalar(Map(deployment, "spec", "template", "spec"), "serviceAccountName"), serviceAccounts);
            foreach (var container in Containers(deployment))
            {
                foreach (var source in Seq(container, "envFrom").Cast<YamlMappingNode>())
                {
                    Assert.Contains(Scalar(Map(source, "configMapRef"), "name"), configMaps.Keys);
                }

                foreach (var variable in Seq(container, "env").Cast<YamlMappingNode>())
                {
                    if (Map(variable, "valueFrom", "secretKeyRef") is { Children.Count: > 0 } secret)
                    {
                        Assert.True(secrets.TryGetValue(Scalar(secret, "name"), out var keys), $"no Secret {Scalar(secret, "name")}");
                        Assert.Contains(Scalar(secret, "key"), keys);
                    }
                }
            }
        }
    }

    [Fact]
    public void ProbesHitPathsAndPortsTheAppServes()
    {
        var served = ServedPaths();
        Assert.Contains("/healthz", served);
        Assert.Contains("/readyz", served);
        foreach (var deployment in Of("Deployment"))
        {
            foreach (var container in Containers(deployment))
            {
                var ports = Seq(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Scalar(p, "containerPort"));
                var args = Seq(container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList();
                var urls = args[args.IndexOf("--urls") + 1];
                foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
                {
                    var get = Map(container, probe, "httpGet");
                    Assert.Contains(Scalar(get, "path"), served);
                    Assert.True(ports.TryGetValue(Scalar(get, "port"), out var port), $"{Name(deployment)} {probe} names an undeclared port");
                    Assert.EndsWith(":" + port, urls, StringComparison.Ordinal);
                }

                Assert.Equal("/readyz", Scalar(Map(container, "readinessProbe", "httpGet"), "path"));
                Assert.Equal("/healthz", Scalar(Map(container, "livenessProbe", "httpGet"), "path"));
                Assert.Equal("11111", ports["silo"]);
                Assert.Equal("30000", ports["gateway"]);
            }
        }
    }

    [Fact]
    public void ImagesArePinnedAndEveryContainerHasResources()
    {
        foreach (var deployment in Of("Deployment"))
        {
            foreach (var container in Containers(deployment))
            {
                var image = Scalar(container, "image");
                Assert.Matches(@"^[a-z0-9./-]+:\d+\.\d+\.\d+$", image);
                Assert.True(File.Exists(Path.Combine(Root, "deploy", $"Dockerfile.{image.Split(':')[0].Replace("recogrid-", "", StringComparison.Ordinal)}")), $"no Dockerfile builds {image}");
                Assert.NotEmpty(Map(container, "resources", "requests").Children);
                Assert.NotEmpty(Map(container, "resources", "limits").Children);
            }
        }

        var scoring = Of("Deployment").Single(d => Name(d) == "recogrid-scoring");
        var pod = Map(scoring, "spec", "template", "spec");
        Assert.Equal("1", Scalar(Map(Containers(scoring).Single(), "resources", "limits"), "nvidia.com/gpu"));
        Assert.NotEmpty(Map(pod, "nodeSelector").Children);
        Assert.Contains(Seq(pod, "tolerations").Cast<YamlMappingNode>(), t => Scalar(t, "key") == "nvidia.com/gpu");
    }

    [Fact]
    public void EveryConfiguredSettingIsOneRecoGridKnows()
    {
        var settings = Of("ConfigMap").SelectMany(c => Labels(Map(c, "data")))
            .Concat(Of("Deployment").SelectMany(Containers).SelectMany(c => Seq(c, "env").Cast<YamlMappingNode>())
                .Select(e => new KeyValuePair<string, string>(Scalar(e, "name"), Scalar(e, "value") ?? "x")))
            .Where(kv => kv.Key.StartsWith("RECOGRID__", StringComparison.Ordinal))
            .GroupBy(kv => kv.Key["RECOGRID__".Length..].Replace("__", ":", StringComparison.Ordinal))
            .ToDictionary(g => g.Key, g => (string?)g.First().Value);
        Assert.Contains("Storage:Provider", settings.Keys);
        Assert.Contains("Cluster:Provider", settings.Keys);

        using var app = ServeHost.Build(new ServeSettings { DataDir = Path.Combine(Path.GetTempPath(), "recogrid-manifest-" + Guid.NewGuid().ToString("N")) });
        var known = app.Services.GetServices<KnownSettingsSection>().ToList();
        Assert.Empty(UnknownSettings.Find(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), known));
    }

    [Fact]
    public void DockerfilesRunAsNonRootWithAHealthCheckAndCopyOnlyWhatExists()
    {
        var dockerfiles = Directory.GetFiles(Path.Combine(Root, "deploy"), "Dockerfile.*");
        Assert.Equal(["Dockerfile.api", "Dockerfile.scoring", "Dockerfile.training"], dockerfiles.Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
        Assert.True(File.Exists(Path.Combine(Root, ".dockerignore")));
        foreach (var dockerfile in dockerfiles)
        {
            var lines = File.ReadAllLines(dockerfile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            Assert.Contains(lines, l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.EndsWith(" root", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains("/healthz", StringComparison.Ordinal));
            foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal)))
            {
                var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.All(parts[1..^1], source => Assert.True(Path.Exists(Path.Combine(Root, source)), $"{Path.GetFileName(dockerfile)} copies '{source}', which does not exist"));
            }

            foreach (var publish in lines.Where(l => l.Contains("dotnet publish", StringComparison.Ordinal)))
            {
                var project = publish.Split(' ').Single(p => p.EndsWith(".csproj", StringComparison.Ordinal));
                Assert.True(File.Exists(Path.Combine(Root, project)), $"{Path.GetFileName(dockerfile)} publishes '{project}', which does not exist");
            }
        }

        var scoring = File.ReadAllText(Path.Combine(Root, "deploy", "Dockerfile.scoring"));
        Assert.Contains("-p:OnnxRuntimeFlavor=Gpu", scoring, StringComparison.Ordinal);
        Assert.Contains("FROM nvidia/cuda:", scoring, StringComparison.Ordinal);
    }

    private static IEnumerable<YamlMappingNode> Of(string kind) => Documents.Where(d => Scalar(d, "kind") == kind);

    private static string Name(YamlMappingNode document) => Scalar(Map(document, "metadata"), "name");

    private static Dictionary<string, string> PodLabels(YamlMappingNode deployment) => Labels(Map(deployment, "spec", "template", "metadata", "labels"));

    private static IEnumerable<YamlMappingNode> Containers(YamlMappingNode deployment) => Seq(deployment, "spec", "template", "spec", "containers").Cast<YamlMappingNode>();

    private static bool Matches(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);

    private static Dictionary<string, string> Labels(YamlMappingNode node) =>
        node.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal);

    private static YamlMappingNode Map(YamlMappingNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlMappingNode map ? map : new YamlMappingNode();
        }

        return node;
    }

    private static IEnumerable<YamlNode> Seq(YamlMappingNode node, params string[] path) =>
        Map(node, path[..^1]).Children.TryGetValue(new YamlScalarNode(path[^1]), out var child) && child is YamlSequenceNode sequence ? sequence.Children : [];

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlScalarNode scalar ? scalar.Value! : null!;

    private static HashSet<string> ServedPaths()
    {
        var app = ServeHost.Build(new ServeSettings { DataDir = Path.Combine(Path.GetTempPath(), "recogrid-paths-" + Guid.NewGuid().ToString("N")) });
        try
        {
            return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }

    private static List<YamlMappingNode> LoadManifests()
    {
        var documents = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "deploy", "kubernetes"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            documents.AddRange(stream.Documents.Select(d => (YamlMappingNode)d.RootNode));
        }

        return documents;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RecoGrid.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (RecoGrid.sln) is not above the test folder.");
    }
}
