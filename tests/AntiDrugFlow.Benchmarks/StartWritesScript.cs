using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;
using NpgsqlTypes;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// A start's own writes as a pgbench script, the durable mode's second reference: the statements the engine sends for
/// the first step of one real start (<see cref="PostgresInstanceStore.AddSteps"/>, after the generic-plan setting the
/// engine puts first), in one pipeline, so they are one implicit transaction as the engine's batch is, each with that
/// start's values, bound as the engine binds them (prepared statements, parameters given with <c>-D</c>). Every text
/// value holding one of the start's ids gets the transaction's random number appended, so each transaction writes new
/// keys in the same relations (a task's bookmark still names that task); the outbox message's uuid is made by the
/// server. What pgbench measures with it is what PostgreSQL takes for a start's rows with no engine around them: no
/// JavaScript, no JSON made, a client written in C.
/// </summary>
public sealed partial record StartWritesScript(string Text, IReadOnlyList<string> Variables)
{
    /// <summary>The script of <paramref name="step"/>'s writes, a start on the version <paramref name="stamp"/> names.</summary>
    public static StartWritesScript From(ExecutionStep step, PublishedStamp stamp)
    {
        var ids = new[] { step.Instance.Id }.Concat(step.AddedBookmarks.Select(b => b.Id)).Concat(step.NewTasks.Select(t => t.Id)).ToList();
        using var batch = new NpgsqlBatch();
        PostgresInstanceStore.AddSteps(batch, [PostgresInstanceStore.RowsOf(step, stamp)]);
        var variables = new List<string>();
        var text = new StringBuilder();
        text.Append("\\set n random(1, 9000000000000000000)\n\\startpipeline\n");
        text.Append(PostgresInstanceStore.ReuseGenericPlans).Append(";\n");
        foreach (var command in batch.BatchCommands)
        {
            text.Append(Placeholder().Replace(command.CommandText, m =>
                Bound((NpgsqlParameter)command.Parameters[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - 1], ids, variables)));
            text.Append(";\n");
        }

        text.Append("\\endpipeline\n");
        return new StartWritesScript(text.ToString(), variables);
    }

    /// <summary>pgbench's <c>-D</c> arguments: each variable as <c>name=value</c>.</summary>
    public IEnumerable<string> DefineArguments() => Variables.SelectMany(v => new[] { "-D", v });

    /// <summary>What stands for <paramref name="parameter"/> in the script: a typed NULL, a server-made uuid, or a variable (with the transaction's number when it holds an id).</summary>
    private static string Bound(NpgsqlParameter parameter, IReadOnlyList<string> ids, List<string> variables)
    {
        var type = parameter.NpgsqlDbType switch
        {
            NpgsqlDbType.Text => "text",
            NpgsqlDbType.Jsonb => "jsonb",
            NpgsqlDbType.Json => "json",
            NpgsqlDbType.TimestampTz => "timestamptz",
            NpgsqlDbType.Uuid => "uuid",
            NpgsqlDbType.Integer => "integer",
            var other => throw new NotSupportedException($"A start's single-row statement bound a {other} parameter, which the script cannot write."),
        };
        if (parameter.Value is null or DBNull)
        {
            return $"NULL::{type}";
        }

        if (type == "uuid")
        {
            return "gen_random_uuid()";
        }

        var value = parameter.Value switch
        {
            DateTime at => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString()!,
        };
        var name = string.Create(CultureInfo.InvariantCulture, $"v{variables.Count + 1}");
        variables.Add($"{name}={value}");
        return type == "text" && ids.Any(id => value.Contains(id, StringComparison.Ordinal))
            ? $"(:{name}::text || :n::text)"
            : $":{name}::{type}";
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();
}
