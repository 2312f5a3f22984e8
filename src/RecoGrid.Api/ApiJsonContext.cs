using System.Text.Json;
using System.Text.Json.Serialization;

namespace RecoGrid.Api;

/// <summary>
/// Source-generated JSON for the hot replies, with the same options as the API's (web defaults, nulls written unless
/// a property says otherwise): serialized through the generated fast path, with no reflection metadata or write stack.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RecommendationsResponse))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
