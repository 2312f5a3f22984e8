using Microsoft.Extensions.Configuration;
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Events;
using RecoGrid.Server.Hosting;

namespace RecoGrid.Server.Tests;

public sealed class UnknownSettingsTests
{
    private static IReadOnlyList<string> Find(Dictionary<string, string?> values, params KnownSettingsSection[] sections) =>
        UnknownSettings.Find(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), sections);

    private static readonly KnownSettingsSection Orleans = new("Orleans", [typeof(NodeClusterOptions)], ["GrainStorage", "Clustering"]);
    private static readonly KnownSettingsSection Events = new("Events", [typeof(EventOptions)]);

    [Fact]
    public void KnownKeysInAnyCasePassAndSectionsNobodyDeclaredAreIgnored()
    {
        var problems = Find(
            new() { ["orleans:siloport"] = "1", ["Orleans:ClusterId"] = "c", ["Logging:LogLevel:Default"] = "Warning", ["Kestrel:Limits:MaxConcurrentConnections"] = "10" },
            Orleans);
        Assert.Empty(problems);
    }

    [Fact]
    public void AMisspeltKeyIsReportedWithTheClosestKnownKey()
    {
        var problems = Find(new() { ["Orleans:SiloPrt"] = "1" }, Orleans);
        Assert.Equal(["Unknown setting 'Orleans:SiloPrt'; did you mean 'Orleans:SiloPort'?"], problems);
    }

    [Fact]
    public void AKeyFarFromEveryKnownKeyIsReportedWithoutASuggestion()
    {
        var problems = Find(new() { ["Events:Completely:Different"] = "1" }, Events);
        Assert.Equal(["Unknown setting 'Events:Completely'."], problems);
    }

    [Fact]
    public void DictionariesAndOpenKeysAcceptAnyChildren()
    {
        var problems = Find(
            new()
            {
                ["Events:Types:share"] = "3",
                ["Events:Types:any-new-type"] = "1",
                ["Orleans:GrainStorage:users:ProviderType"] = "File",
                ["Orleans:Clustering:ProviderType"] = "Redis",
            },
            Orleans,
            Events);
        Assert.Empty(problems);
    }

    [Fact]
    public void EveryUnknownKeyIsReportedNotOnlyTheFirst()
    {
        var problems = Find(new() { ["Events:RatingMaxx"] = "5", ["Events:MaxFutureSkw"] = "1.00:00:00", ["Orleans:GatewayPrt"] = "2" }, Orleans, Events);
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("'Events:RatingMax'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'Events:MaxFutureSkew'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'Orleans:GatewayPort'", StringComparison.Ordinal));
    }
}
