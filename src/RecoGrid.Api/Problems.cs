using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>RFC 9457 answers built from RecoGrid's field errors.</summary>
public static class Problems
{
    /// <summary>A 400 validation problem listing every field and its reasons.</summary>
    public static IResult ToProblem(this FieldErrors errors, string detail) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), detail: detail, title: "The request is invalid.");
}
