using System.Text.RegularExpressions;
using RecoGrid.Server;

namespace RecoGrid.Api.Security;

/// <summary>
/// Keeps absolute server paths out of answers: the data folder becomes <c>&lt;data&gt;</c>, other known roots and any
/// quoted absolute path become <c>&lt;server path&gt;</c>. Applied to every problem+json detail and field error.
/// </summary>
public sealed partial class PathScrubber(NodeOptions node)
{
    private readonly (string Root, string Replacement)[] _roots = [.. new[]
        {
            (node.DataDir, "<data>"),
            (Path.GetTempPath(), "<server path>/"),
            (AppContext.BaseDirectory, "<server path>/"),
            (Environment.CurrentDirectory, "<server path>"),
            (Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "<server path>"),
        }
        .Where(r => r.Item1.Length > 1)
        .OrderByDescending(r => r.Item1.Length)];

    public string Scrub(string text)
    {
        foreach (var (root, replacement) in _roots)
        {
            text = text.Replace(root, replacement, StringComparison.Ordinal);
        }

        return QuotedAbsolutePath().Replace(text, "'<server path>'");
    }

    /// <summary>Scrubs a problem's detail and field errors in place.</summary>
    public void Scrub(Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        if (problem.Detail is { } detail)
        {
            problem.Detail = Scrub(detail);
        }

        if (problem is HttpValidationProblemDetails validation)
        {
            foreach (var reasons in validation.Errors.Values)
            {
                for (var i = 0; i < reasons.Length; i++)
                {
                    reasons[i] = Scrub(reasons[i]);
                }
            }
        }
    }

    [GeneratedRegex(@"'(?:/|[A-Za-z]:\\)[^']*'")]
    private static partial Regex QuotedAbsolutePath();
}
