using System.Text.Json;
using System.Text.Json.Serialization;
using RecoGrid.Api;

namespace RecoGrid.Cli.Tests;

/// <summary>The recommendation reply is written by source-generated JSON: the same bytes as the API's reflection-based options.</summary>
public sealed class RecommendationJsonTests
{
    // What ApiRegistration configures for every other reply: web defaults, nulls written unless a property says otherwise.
    private static readonly JsonSerializerOptions ApiOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static TheoryData<string> Shapes => ["model", "explained", "blended", "popularity", "experiment"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SourceGeneratedRecommendationJsonIsTheSameAsTheApiOptionsWrite(string shape)
    {
        var response = Sample(shape);

        var generated = JsonSerializer.Serialize(response, ApiJsonContext.Default.RecommendationsResponse);

        Assert.Equal(JsonSerializer.Serialize(response, ApiOptions), generated);
    }

    [Fact]
    public void RecommendationJsonKeepsItsFieldNames()
    {
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(Sample("explained"), ApiJsonContext.Default.RecommendationsResponse));

        Assert.Equal(["items", "source", "modelVersion", "retrieval", "explanationBasis", "recommendationId", "experimentId", "variant"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["itemId", "score", "explanation"], json.RootElement.GetProperty("items")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["itemId", "contribution"], json.RootElement.GetProperty("items")[0].GetProperty("explanation")[0].EnumerateObject().Select(p => p.Name));
    }

    private static RecommendationsResponse Sample(string shape) => shape switch
    {
        "model" => new([new("item-1", 0.75), new("item-2", 0.5)], "model", "v1", "exact") { RecommendationId = "r1" },
        "explained" => new([new("item-1", 0.75, Explanation: [new("item-9", 0.5), new("item-8", 0.25)])], "model", "v1", "exact", "fold-in") { RecommendationId = "r2" },
        "blended" => new([new("item-1", 0.75), new("item-3", 0.1, ColdStart: true), new("item-4", 0, Exploration: true)], "model", "v1", "ann") { RecommendationId = "r3" },
        "popularity" => new([new("item-5", 12.5)], "popularity", null) { RecommendationId = "r4" },
        _ => new([], "model", "v2", "exact") { RecommendationId = "exp.1.r5", ExperimentId = "exp", Variant = "candidate" },
    };
}
