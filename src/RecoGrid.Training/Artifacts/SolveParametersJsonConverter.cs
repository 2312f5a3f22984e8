using System.Text.Json;
using System.Text.Json.Serialization;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Artifacts;

/// <summary>
/// The manifest's <c>"solve"</c> section, <c>{"alpha": …, "lambda": …, "reg_exponent": …}</c>: named like the options
/// of <c>recogrid train</c> rather than the C# members, and every key required, so a typo fails loudly.
/// </summary>
internal sealed class SolveParametersJsonConverter : JsonConverter<IalsSolveParameters>
{
    private const string Alpha = "alpha";
    private const string Lambda = "lambda";
    private const string Exponent = "reg_exponent";

    public override IalsSolveParameters Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("\"solve\" must be an object of alpha, lambda and reg_exponent.");
        }

        float? alpha = null;
        float? lambda = null;
        float? exponent = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case Alpha:
                    alpha = reader.GetSingle();
                    break;
                case Lambda:
                    lambda = reader.GetSingle();
                    break;
                case Exponent:
                    exponent = reader.GetSingle();
                    break;
                default:
                    // A later minor addition must not make this build refuse the artifact.
                    reader.Skip();
                    break;
            }
        }

        if (alpha is null || lambda is null || exponent is null)
        {
            throw new JsonException($"\"solve\" needs {Alpha}, {Lambda} and {Exponent}.");
        }

        return new IalsSolveParameters(alpha.Value, lambda.Value, exponent.Value);
    }

    public override void Write(Utf8JsonWriter writer, IalsSolveParameters value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber(Alpha, value.Alpha);
        writer.WriteNumber(Lambda, value.Lambda);
        writer.WriteNumber(Exponent, value.RegularizationExponent);
        writer.WriteEndObject();
    }
}
